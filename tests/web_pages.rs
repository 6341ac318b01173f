//! The web app's pages, in-process (no browser): sessions and CSRF, the same scope as the API
//! (a person outside it is the same not-found page as a missing id), no personal value of an
//! out-of-scope person in any page, escaping of hostile values, forms that edit through the
//! API's rules, and the audit of every page that shows personal fields.
//!
//! The sample district split in two districts (every other person to D02), planned once.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mimamori::io::mapdir::load_map_at;
use mimamori::model::{District, DistrictId, Map};
use mimamori::plan::engine::HelperStatus;
use mimamori::plan::{Plan, PlanParams, Scenario};
use mimamori::serve::{AppState, engine_for, record_engine_run, router};
use mimamori::store::{AuditFilter, ImportOptions, NewUser, PlanStatus, Store, UserRole};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);
const HOSTILE: &str = "<script>alert('x')</script>&\"山田";

struct Fx {
    _dir: tempfile::TempDir,
    path: PathBuf,
    app: Router,
    map: Map,
    plans: BTreeMap<String, Plan>,
    district: BTreeMap<String, String>,
    tokens: BTreeMap<&'static str, String>,
    helper_vol: String,
    hostile_person: String,
}

fn sample() -> (Map, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    let (mut map, _) = load_map_at(&dir, None, NOW.date()).expect("sample map loads");
    let mut d2: District = map.districts[0].clone();
    d2.code = "D02".into();
    d2.name = "第二地区".into();
    map.districts.push(d2);
    for (i, p) in map.people.iter_mut().enumerate() {
        if i % 2 == 1 {
            p.district = DistrictId(1);
        }
    }
    // A hostile name on a D01 person (the first, kept in D01).
    map.people[0].name = HOSTILE.into();
    let hostile = map.people[0].ext_id.clone();
    (map, hostile)
}

fn setup() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (map, hostile_person) = sample();
    let mut store = Store::open(&path).unwrap();
    store
        .import_map(&map, &ImportOptions::default(), NOW, "test", "test")
        .unwrap();
    let engine = engine_for(&store, &Scenario::default(), &PlanParams::default(), NOW).unwrap();
    record_engine_run(&mut store, &engine, NOW, "test").unwrap();
    let mut plans = BTreeMap::new();
    let mut district = BTreeMap::new();
    for p in &map.people {
        district.insert(p.ext_id.clone(), map.district(p.district).code.clone());
        if let Some((_, v)) = store.current_plan(&p.ext_id).unwrap() {
            plans.insert(p.ext_id.clone(), serde_json::from_value::<Plan>(v).unwrap());
        }
    }
    let helper_vol = plans
        .values()
        .find(|p| p.consent_share && !p.helpers.is_empty())
        .map(|p| p.helpers[0].id.clone())
        .expect("a shared plan with a helper");
    let mut tokens = BTreeMap::new();
    let users: [(&'static str, UserRole, Option<&str>, Option<&str>); 4] = [
        ("city", UserRole::City, None, None),
        ("coordinator", UserRole::Coordinator, Some("D01"), None),
        ("helper", UserRole::Helper, None, Some(&helper_vol)),
        ("viewer", UserRole::Viewer, None, None),
    ];
    for (name, role, d, v) in users {
        let token = store.new_token().unwrap();
        store
            .add_user(
                &NewUser {
                    name: format!("{name}-user"),
                    role,
                    district: d.map(str::to_owned),
                    volunteer_id: v.map(str::to_owned),
                },
                &token,
                NOW,
            )
            .unwrap();
        tokens.insert(name, token);
    }
    let app = router(AppState::new(store, || NOW).with_engine(engine));
    Fx {
        _dir: dir,
        path,
        app,
        map,
        plans,
        district,
        tokens,
        helper_vol,
        hostile_person,
    }
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The page's CSRF field.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[at..at + 64].to_owned()
    }
}

impl Fx {
    fn cookie(&self, who: &str) -> Option<String> {
        self.tokens
            .get(who)
            .map(|t| format!("mimamori_session={t}"))
    }
    async fn get(&self, who: &str, uri: &str) -> Resp {
        self.send("GET", who, uri, None).await
    }
    async fn post(&self, who: &str, uri: &str, form: &[(&str, &str)]) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send("POST", who, uri, Some(body)).await
    }
    async fn send(&self, method: &str, who: &str, uri: &str, form: Option<String>) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(c) = self.cookie(who) {
            req = req.header(header::COOKIE, c);
        }
        let req = match form {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }
    /// Name, kana, address and phone of everyone `who` may not see, minus values someone in
    /// scope shares (a household). Reference rule written from the brief.
    fn forbidden(&self, who: &str) -> Vec<String> {
        let sees = |id: &str| match who {
            "city" => true,
            "coordinator" => self.district[id] == "D01",
            "helper" => self.plans.get(id).is_some_and(|p| {
                p.consent_share && p.helpers.iter().any(|h| h.id == self.helper_vol)
            }),
            _ => false,
        };
        let values = |p: &mimamori::model::Person| {
            [
                p.name.clone(),
                p.kana.clone(),
                p.address.clone(),
                p.phone.clone(),
            ]
        };
        let allowed: BTreeSet<String> = self
            .map
            .people
            .iter()
            .filter(|p| sees(&p.ext_id))
            .flat_map(values)
            .collect();
        self.map
            .people
            .iter()
            .filter(|p| !sees(&p.ext_id))
            .flat_map(values)
            .filter(|v| v.chars().count() >= 2 && !allowed.contains(v))
            .collect()
    }
    fn store(&self) -> Store {
        Store::open(&self.path).unwrap()
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn planned_in<'a>(fx: &'a Fx, d: &str) -> Vec<&'a str> {
    fx.plans
        .keys()
        .filter(|id| fx.district[*id] == d)
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn without_a_session_every_page_sends_to_sign_in() {
    let fx = setup();
    let p = planned_in(&fx, "D01")[0];
    for uri in [
        "/".to_owned(),
        "/districts/D01".into(),
        "/districts/D01/uncovered".into(),
        format!("/people/{p}"),
        format!("/people/{p}/sheet"),
    ] {
        let r = fx.get("none", &uri).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.location(), "/signin", "{uri}");
        assert!(!r.body.contains(&fx.plans[p].name), "{uri}");
    }
    // A token that is no user's is no session either.
    let mut req = Request::builder().uri("/districts/D01");
    req = req.header(header::COOKIE, "mimamori_session=00ff00ff");
    let resp = fx
        .app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    // A form without a session changes nothing.
    let r = fx
        .post(
            "none",
            &format!("/people/{p}"),
            &[("action", "notes"), ("notes", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(fx.store().pin(p).unwrap().is_none());
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_clears_it() {
    let fx = setup();
    let page = fx.get("none", "/signin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<label for=\"token\">"));
    let bad = fx.post("none", "/signin", &[("token", "deadbeef")]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.headers.get(header::SET_COOKIE).is_none());
    let ok = fx
        .post("none", "/signin", &[("token", &fx.tokens["coordinator"])])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let set = ok.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.starts_with(&format!("mimamori_session={};", fx.tokens["coordinator"])));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    // The coordinator's home is their district.
    let home = fx.get("coordinator", "/").await;
    assert_eq!(home.location(), "/districts/D01");
    // Sign-out needs the session's CSRF token.
    let dash = fx.get("coordinator", "/districts/D01").await;
    let wrong = fx.post("coordinator", "/signout", &[("csrf", "x")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let out = fx
        .post("coordinator", "/signout", &[("csrf", &dash.csrf())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // Another session's CSRF token is not this one's.
    let city = fx.get("city", "/").await;
    assert_ne!(city.csrf(), dash.csrf());
}

#[tokio::test]
async fn every_page_forbids_other_origins() {
    let fx = setup();
    let p = planned_in(&fx, "D01")[0];
    for (who, uri) in [
        ("none", "/signin".to_owned()),
        ("city", "/".into()),
        ("coordinator", "/districts/D01".into()),
        ("coordinator", "/districts/D01/uncovered".into()),
        ("coordinator", format!("/people/{p}")),
        ("coordinator", "/people/NOPE".into()),
    ] {
        let r = fx.get(who, &uri).await;
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{uri}: {csp}");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            !r.body.contains("http://") && !r.body.contains("https://"),
            "{uri}"
        );
    }
    let sheet = fx.get("coordinator", &format!("/people/{p}/sheet")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    let csp = sheet.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    // The language switch is remembered.
    let en = fx.get("coordinator", "/districts/D01?lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(
        en.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("mimamori_lang=en")
    );
}

#[tokio::test]
async fn a_person_out_of_scope_is_the_same_not_found_page_as_a_missing_id() {
    let fx = setup();
    let missing = fx.get("coordinator", "/people/NOPE").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("見つかりません"));
    let d02 = planned_in(&fx, "D02");
    assert!(!d02.is_empty());
    for p in &d02 {
        for uri in [format!("/people/{p}"), format!("/people/{p}/sheet")] {
            let r = fx.get("coordinator", &uri).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(r.body, missing.body, "{uri}");
        }
        let csrf = missing.csrf();
        let r = fx
            .post(
                "coordinator",
                &format!("/people/{p}"),
                &[("csrf", &csrf), ("action", "notes"), ("notes", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.body, missing.body);
        assert!(fx.store().pin(p).unwrap().is_none(), "nothing saved");
    }
    // Another district's dashboard is refused (the API answers 403 too).
    let r = fx.get("coordinator", "/districts/D02").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("count-not_started"));
}

#[tokio::test]
async fn a_helper_sees_only_their_people_and_only_the_helper_fields() {
    let fx = setup();
    let mine: BTreeSet<&str> = fx
        .plans
        .values()
        .filter(|p| p.consent_share && p.helpers.iter().any(|h| h.id == fx.helper_vol))
        .map(|p| p.person.as_str())
        .collect();
    assert!(!mine.is_empty());
    let home = fx.get("helper", "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let listed: BTreeSet<&str> = fx
        .plans
        .keys()
        .filter(|id| home.body.contains(&format!("href=\"/people/{id}\"")))
        .map(String::as_str)
        .collect();
    assert_eq!(listed, mine);
    for id in fx.plans.keys() {
        let r = fx.get("helper", &format!("/people/{id}")).await;
        if mine.contains(id.as_str()) {
            assert_eq!(r.status, StatusCode::OK, "{id}");
            let p = &fx.plans[id];
            assert!(
                r.body.contains(&p.address),
                "{id}: the helper gets the address"
            );
            assert!(!r.body.contains(&p.birth_date), "{id}: not the birth date");
            assert!(!r.body.contains("status-form"), "{id}: no edit form");
            assert!(r.body.contains("個人情報"));
        } else {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
        }
    }
    for uri in ["/districts/D01", "/districts/D01/uncovered"] {
        assert_eq!(fx.get("helper", uri).await.status, StatusCode::FORBIDDEN);
    }
    let own = mine.iter().next().unwrap();
    let sheet = fx.get("helper", &format!("/people/{own}/sheet")).await;
    assert_eq!(sheet.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_page_shows_a_personal_value_of_someone_out_of_scope() {
    let fx = setup();
    for who in ["coordinator", "helper", "viewer"] {
        let forbidden = fx.forbidden(who);
        assert!(!forbidden.is_empty(), "{who}");
        let mut uris = vec![
            "/".to_owned(),
            "/districts/D01".into(),
            "/districts/D01/uncovered".into(),
            "/districts/D02".into(),
            "/districts/D02/uncovered".into(),
            "/districts/D01/map".into(),
            "/districts/D01/map.json".into(),
            "/districts/D02/map.json".into(),
            "/districts/D01/drill?seed=3&runs=5".into(),
            "/compare".into(),
        ];
        for id in fx.plans.keys() {
            uris.push(format!("/people/{id}"));
            uris.push(format!("/people/{id}/sheet"));
        }
        let mut ok_pages = 0;
        for uri in &uris {
            let r = fx.get(who, uri).await;
            if r.status == StatusCode::OK {
                ok_pages += 1;
            }
            for v in &forbidden {
                assert!(
                    !r.body.contains(v.as_str()),
                    "{who} {uri}: shows an out-of-scope value"
                );
            }
        }
        assert!(ok_pages >= 1, "{who}: some page was read");
    }
}

#[tokio::test]
async fn a_hostile_name_is_escaped() {
    let fx = setup();
    let p = &fx.hostile_person;
    assert!(fx.plans.contains_key(p), "the hostile person has a plan");
    for uri in [format!("/people/{p}"), format!("/people/{p}/sheet")] {
        let r = fx.get("city", &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(!r.body.contains("<script>"), "{uri}");
        assert!(
            r.body.contains("&lt;script&gt;") || r.body.contains("&#60;script&#62;"),
            "{uri}: the name is shown, escaped"
        );
    }
}

#[tokio::test]
async fn pages_with_personal_fields_are_audited() {
    let fx = setup();
    let p = planned_in(&fx, "D01")[0];
    let before = fx
        .store()
        .audit(&AuditFilter {
            person_id: Some(p.to_owned()),
            ..AuditFilter::default()
        })
        .unwrap()
        .len();
    let r = fx.get("coordinator", &format!("/people/{p}")).await;
    assert!(r.body.contains("個人情報"));
    let rows = fx
        .store()
        .audit(&AuditFilter {
            person_id: Some(p.to_owned()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), before + 1);
    let last = rows.last().unwrap();
    assert_eq!(last.entry.user, "coordinator-user");
    assert!(last.entry.fields.iter().any(|f| f == "name"));
    // A not-found page reads nothing and records nothing.
    let n = fx.store().audit(&AuditFilter::default()).unwrap().len();
    fx.get(
        "coordinator",
        &format!("/people/{}", planned_in(&fx, "D02")[0]),
    )
    .await;
    assert_eq!(fx.store().audit(&AuditFilter::default()).unwrap().len(), n);
}

/// The dashboard's figures are the API's (`GET /api/districts`) for the district.
#[tokio::test]
async fn the_dashboard_shows_the_apis_counts() {
    let fx = setup();
    let req = Request::builder()
        .uri("/api/districts")
        .header(
            "authorization",
            format!("Bearer {}", fx.tokens["coordinator"]),
        )
        .body(Body::empty())
        .unwrap();
    let resp = fx.app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let api: Value = serde_json::from_slice(&bytes).unwrap();
    let d01 = api
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "D01")
        .unwrap();
    let page = fx.get("coordinator", "/districts/D01").await;
    let figure = |id: &str| -> u64 {
        let at = page.body.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
        page.body[at..]
            .split('<')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    for s in PlanStatus::ALL {
        assert_eq!(
            figure(&format!("count-{}", s.code())),
            d01["statuses"][s.code()].as_u64().unwrap()
        );
    }
    assert_eq!(figure("covered"), d01["covered"].as_u64().unwrap());
    assert_eq!(figure("uncovered"), d01["uncovered"].as_u64().unwrap());
    assert_eq!(figure("people-total"), d01["people"].as_u64().unwrap());
}

#[tokio::test]
async fn forms_edit_through_the_apis_rules() {
    let fx = setup();
    let p = planned_in(&fx, "D01")[0];
    let uri = format!("/people/{p}");
    let page = fx.get("coordinator", &uri).await;
    let csrf = page.csrf();
    // A wrong CSRF token saves nothing.
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[("csrf", "nope"), ("action", "notes"), ("notes", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(fx.store().pin(p).unwrap().is_none());
    // Notes.
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "notes"),
                ("notes", "階段に手すり"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/people/{p}?saved=1"));
    assert_eq!(
        fx.store().pin(p).unwrap().unwrap().edit.notes,
        "階段に手すり"
    );
    // Not started → confirmed skips a step: refused with the API's message.
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "status"),
                ("status", "complete"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("form-error"));
    assert_eq!(fx.store().status(p).unwrap().status, PlanStatus::NotStarted);
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "status"),
                ("status", "drafting"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // 本人確認済 needs the date and the tick.
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "status"),
                ("status", "confirmed_with_person"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(fx.store().status(p).unwrap().status, PlanStatus::Drafting);
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[
                ("csrf", &csrf),
                ("action", "status"),
                ("status", "confirmed_with_person"),
                ("confirmed_on", "2026-11-30"),
                ("confirmed", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let st = fx.store().status(p).unwrap();
    assert_eq!(st.status, PlanStatus::ConfirmedWithPerson);
    assert_eq!(st.changed_by, "coordinator-user");
    let after = fx.get("coordinator", &format!("/people/{p}?saved=1")).await;
    assert!(after.body.contains("data-status=\"confirmed_with_person\""));
    assert!(after.body.contains("id=\"saved\""));
}

/// Pinning from the page: a helper from the offered candidates is followed (the page shows
/// them); one the plan cannot follow is refused with the reason, and nothing is saved.
#[tokio::test]
async fn a_pin_from_the_page_replans_or_is_refused() {
    let fx = setup();
    let run_helpers =
        |p: &str| -> Vec<String> { fx.plans[p].helpers.iter().map(|h| h.id.clone()).collect() };
    // A D01 person whose page offers a free helper who is not theirs yet.
    let engine = engine_for(
        &fx.store(),
        &Scenario::default(),
        &PlanParams::default(),
        NOW,
    )
    .unwrap();
    let run = engine.planned.run();
    let (person, helper) = planned_in(&fx, "D01")
        .into_iter()
        .find_map(|p| {
            let ex = run.explanations.get(p)?;
            let h = ex.helpers.iter().find(|h| {
                matches!(&h.status, HelperStatus::NotChosen { helps } if helps.is_empty())
                    && !run_helpers(p).contains(&h.id)
            })?;
            Some((p.to_owned(), h.id.clone()))
        })
        .expect("a person with a free eligible helper");
    let uri = format!("/people/{person}");
    let page = fx.get("coordinator", &uri).await;
    assert!(page.body.contains(&format!("<option value=\"{helper}\">")));
    // Not offered and not eligible: refused.
    let far = fx
        .map
        .volunteers
        .iter()
        .map(|v| v.ext_id.clone())
        .find(|v| {
            !run.explanations[&person].helpers.iter().any(|h| {
                &h.id == v
                    && matches!(
                        h.status,
                        HelperStatus::Primary
                            | HelperStatus::Backup { .. }
                            | HelperStatus::NotChosen { .. }
                    )
            })
        })
        .unwrap();
    assert!(!page.body.contains(&format!("<option value=\"{far}\">")));
    let csrf = page.csrf();
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[("csrf", &csrf), ("action", "pin"), ("helper_id", &far)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("form-error"));
    assert!(fx.store().pin(&person).unwrap().is_none());
    let r = fx
        .post(
            "coordinator",
            &uri,
            &[("csrf", &csrf), ("action", "pin"), ("helper_id", &helper)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = fx.get("coordinator", &format!("{uri}?saved=1")).await;
    assert!(page.body.contains(&format!("data-helper=\"{helper}\"")));
    let (_, v) = fx.store().current_plan(&person).unwrap().unwrap();
    let plan: Plan = serde_json::from_value(v).unwrap();
    assert!(plan.primary_helpers().any(|h| h.id == helper));
}

/// The map's layers: the district's people (ids, status, coverage, reasons, link; no name),
/// filtered by reason exactly, each home point's read audited; other districts refused.
#[tokio::test]
async fn the_map_places_the_districts_people_and_filters_by_reason() {
    let fx = setup();
    let page = fx.get("coordinator", "/districts/D01/map").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("data-geojson=\"/districts/D01/map.json\"")
    );
    assert!(page.body.contains("/static/leaflet/leaflet.js"));
    for asset in [
        "/static/leaflet/leaflet.js",
        "/static/leaflet/leaflet.css",
        "/static/map.js",
    ] {
        let r = fx.get("none", asset).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
    }
    let audit_len = || fx.store().audit(&AuditFilter::default()).unwrap().len();
    let before = audit_len();
    let r = fx.get("coordinator", "/districts/D01/map.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let people: Vec<&Value> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["layer"] == "person")
        .collect();
    let ids: BTreeSet<String> = people
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    let d01: BTreeSet<String> = fx
        .district
        .iter()
        .filter(|(_, d)| *d == "D01")
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(ids, d01);
    assert_eq!(
        audit_len(),
        before + d01.len(),
        "one audit row per home shown"
    );
    for f in &people {
        let id = f["properties"]["id"].as_str().unwrap();
        assert_eq!(f["properties"]["href"], format!("/people/{id}"));
        let p = fx.map.people.iter().find(|p| p.ext_id == id).unwrap();
        assert_eq!(
            f["geometry"]["coordinates"][0].as_f64().unwrap(),
            p.home.lon
        );
    }
    for layer in ["road", "shelter", "helper"] {
        assert!(
            v["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["properties"]["layer"] == layer),
            "{layer}"
        );
    }
    // Filtered by each reason: exactly the uncovered people with that reason.
    let req = Request::builder()
        .uri("/api/uncovered?district=D01")
        .header(
            "authorization",
            format!("Bearer {}", fx.tokens["coordinator"]),
        )
        .body(Body::empty())
        .unwrap();
    let resp = fx.app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let unc: Value = serde_json::from_slice(&bytes).unwrap();
    let mut codes = BTreeSet::new();
    for u in unc.as_array().unwrap() {
        for r in u["reasons"].as_array().unwrap() {
            codes.insert(r["code"].as_str().unwrap().to_owned());
        }
    }
    assert!(!codes.is_empty());
    for code in &codes {
        let expected: BTreeSet<String> = unc
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| {
                u["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["code"] == code.as_str())
            })
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect();
        let r = fx
            .get(
                "coordinator",
                &format!("/districts/D01/map.json?reason={code}"),
            )
            .await;
        let v: Value = serde_json::from_str(&r.body).unwrap();
        let got: BTreeSet<String> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["layer"] == "person")
            .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expected, "{code}");
        let page = fx
            .get("coordinator", &format!("/districts/D01/map?reason={code}"))
            .await;
        for id in &d01 {
            assert_eq!(
                page.body.contains(&format!("href=\"/people/{id}\"")),
                expected.contains(id),
                "{code} {id}"
            );
        }
    }
    assert_eq!(
        fx.get("coordinator", "/districts/D02/map.json")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fx.get("helper", "/districts/D01/map.json").await.status,
        StatusCode::FORBIDDEN
    );
}

/// The drill page shows the library's drill (`Drill::prepare`, `monte_carlo`) for the
/// district and seed: the same `p_safe` per person, the same answer for the same seed.
#[tokio::test]
async fn the_drill_page_shows_the_librarys_drill_for_the_seed() {
    let fx = setup();
    let uri = "/districts/D01/drill?seed=7&runs=20";
    let page = fx.get("coordinator", uri).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        fx.get("coordinator", uri).await.body,
        page.body,
        "same seed, same page"
    );
    let engine = engine_for(
        &fx.store(),
        &Scenario::default(),
        &PlanParams::default(),
        NOW,
    )
    .unwrap();
    let p = &engine.planner;
    let drill = mimamori::drill::Drill::prepare(
        p.map(),
        p.graph(),
        &Scenario::default(),
        p.params(),
        engine.planned.run(),
    )
    .unwrap();
    let r = mimamori::drill::monte_carlo(&drill, &Scenario::default().name, 20, 7, Some("D01"));
    let d01: Vec<_> = r.people.iter().filter(|p| p.district == "D01").collect();
    assert!(!d01.is_empty());
    for p in d01 {
        let row = format!(
            "<tr data-person=\"{}\"><th scope=\"row\"><a href=\"/people/{}\">{}</a></th><td class=\"num p-safe\">{:.2}</td>",
            p.person, p.person, p.person, p.p_safe
        );
        assert!(page.body.contains(&row), "{}", p.person);
    }
    for id in planned_in(&fx, "D02") {
        assert!(
            !page.body.contains(&format!("data-person=\"{id}\"")),
            "{id}"
        );
    }
    let bad = fx.get("coordinator", "/districts/D01/drill?seed=x").await;
    assert!(bad.body.contains("form-error"));
    assert!(!bad.body.contains("drill-people"));
    let bad = fx
        .get("coordinator", "/districts/D01/drill?seed=1&runs=100000")
        .await;
    assert!(bad.body.contains("form-error"));
    assert_eq!(
        fx.get("coordinator", "/districts/D02/drill?seed=1")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fx.get("helper", "/districts/D01/drill?seed=1").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_comparison_page_is_the_share_comparison() {
    let fx = setup();
    let r = fx.get("coordinator", "/compare").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for d in ["D01", "D02"] {
        assert!(r.body.contains(d), "{d}");
    }
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"));
    assert_eq!(
        fx.get("helper", "/compare").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fx.get("viewer", "/compare").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_map_draws_one_persons_route_and_helper_routes_as_planned() {
    let fx = setup();
    let lonlat = |v: &Value| -> Vec<[f64; 2]> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
            .collect()
    };
    let routed = |p: &Plan| p.helpers.iter().filter(|h| h.route.len() >= 2).count();
    let (id, plan) = fx
        .plans
        .iter()
        .find(|(id, p)| fx.district[*id] == "D01" && p.route.len() >= 2 && routed(p) >= 1)
        .expect("a D01 plan with a route and a helper's route");
    let page = fx.get("coordinator", &format!("/people/{id}")).await;
    let href = format!("/districts/D01/map?person={id}");
    assert!(
        page.body.contains(&href),
        "the plan page links to its routes"
    );
    let map_page = fx.get("coordinator", &href).await;
    assert_eq!(map_page.status, StatusCode::OK);
    assert!(map_page.body.contains(&format!(
        "data-geojson=\"/districts/D01/map.json?person={id}\""
    )));

    let audit_len = || fx.store().audit(&AuditFilter::default()).unwrap().len();
    let before = audit_len();
    let r = fx
        .get(
            "coordinator",
            &format!("/districts/D01/map.json?person={id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let layer = |name: &str| -> Vec<Value> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["layer"] == name)
            .cloned()
            .collect()
    };
    let route = layer("route");
    assert_eq!(route.len(), 1);
    let want: Vec<[f64; 2]> = plan.route.iter().map(|p| [p.lon, p.lat]).collect();
    assert_eq!(lonlat(&route[0]["geometry"]["coordinates"]), want);
    let helper_routes = layer("helper_route");
    assert_eq!(helper_routes.len(), routed(plan));
    for h in plan.helpers.iter().filter(|h| h.route.len() >= 2) {
        let f = helper_routes
            .iter()
            .find(|f| f["properties"]["id"] == h.id.as_str())
            .expect("each helper's route is drawn");
        let want: Vec<[f64; 2]> = h.route.iter().map(|p| [p.lon, p.lat]).collect();
        assert_eq!(lonlat(&f["geometry"]["coordinates"]), want);
    }
    let people = layer("person").len();
    assert_eq!(
        audit_len(),
        before + people + 1,
        "the homes and the plan read are audited"
    );

    // Another district's person is not found on one's own map; another district's map is
    // out of scope (as in the API); a person on a map of another district than their own is
    // not found either.
    let other = planned_in(&fx, "D02")[0];
    for (uri, status) in [
        (
            format!("/districts/D01/map.json?person={other}"),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/districts/D02/map.json?person={other}"),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = fx.get("coordinator", &uri).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(!r.body.contains("\"route\""), "{uri}");
    }
    let r = fx
        .get("city", &format!("/districts/D02/map.json?person={id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_printed_sheet_shows_the_stored_update_and_review_dates() {
    let fx = setup();
    let id = planned_in(&fx, "D01")[0].to_owned();
    let uri = format!("/people/{id}/sheet");
    // A status change two days later, at 20:00 UTC: already the next day in Japan.
    let at = NOW + time::Duration::days(2) + time::Duration::hours(10);
    let japan_day = "2026-12-04";
    let before = fx.get("coordinator", &uri).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.body.contains(japan_day));
    let mut store = fx.store();
    store
        .set_status(
            &id,
            PlanStatus::Drafting,
            "",
            at,
            "test",
            &mimamori::store::ReviewPolicy::default(),
        )
        .unwrap();
    let due = store
        .status(&id)
        .unwrap()
        .review_due
        .expect("a review date");
    let after = fx.get("coordinator", &uri).await;
    assert!(
        after.body.contains(japan_day),
        "updated on the day in Japan"
    );
    assert!(
        after.body.contains(&due.to_string()),
        "the stored review date"
    );
}
