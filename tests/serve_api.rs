//! The service on the sample district (split in two districts so "other district" exists),
//! planned once: an authorization matrix over every role and endpoint, consent and disaster
//! mode, and PATCH edits that are refused whole or saved for good.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use mimamori::io::mapdir::load_map_at;
use mimamori::model::{District, DistrictId, Map, WatchMethod, WatchOutcome};
use mimamori::plan::engine::HelperStatus;
use mimamori::plan::{Plan, PlanParams, Scenario};
use mimamori::serve::{AppState, engine_for, record_engine_run, router};
use mimamori::store::{ImportOptions, NewUser, PlanStatus, Store, UserRole, allowed_transition};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

struct Fx {
    _dir: tempfile::TempDir,
    path: PathBuf,
    app: Router,
    map: Map,
    /// Current plans by person id.
    plans: BTreeMap<String, Plan>,
    /// Person id -> district code.
    district: BTreeMap<String, String>,
    /// Role name -> (user, token).
    tokens: BTreeMap<&'static str, String>,
    /// The helper user's volunteer id.
    helper_vol: String,
    /// The volunteer of the helper tied to a person without consent to sharing.
    noshare_vol: String,
    noshare_person: String,
}

fn sample() -> Map {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/sample-district");
    let (mut map, _) = load_map_at(&dir, None, NOW.date()).expect("sample map loads");
    // A second district: every other person moves there.
    let mut d2: District = map.districts[0].clone();
    d2.code = "D02".into();
    d2.name = "第二地区".into();
    map.districts.push(d2);
    for (i, p) in map.people.iter_mut().enumerate() {
        if i % 2 == 1 {
            p.district = DistrictId(1);
        }
    }
    map
}

fn setup() -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let map = sample();
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
    // The helper user: a volunteer named in a plan of a person who consented to sharing.
    let shared = |p: &Plan| p.consent_share && !p.helpers.is_empty();
    let helper_vol = plans
        .values()
        .find(|p| shared(p))
        .map(|p| p.helpers[0].id.clone())
        .expect("a shared plan with a helper");
    let (noshare_person, noshare_vol) = plans
        .values()
        .find(|p| !p.consent_share && !p.helpers.is_empty())
        .map(|p| (p.person.clone(), p.helpers[0].id.clone()))
        .expect("a plan without consent to sharing, with a helper");
    let mut tokens = BTreeMap::new();
    let users: [(&'static str, UserRole, Option<&str>, Option<&str>); 5] = [
        ("city", UserRole::City, None, None),
        ("coordinator", UserRole::Coordinator, Some("D01"), None),
        ("helper", UserRole::Helper, None, Some(&helper_vol)),
        ("noshare_helper", UserRole::Helper, None, Some(&noshare_vol)),
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
        noshare_vol,
        noshare_person,
    }
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn json_of(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

impl Fx {
    fn token(&self, who: &str) -> Option<&str> {
        self.tokens.get(who).map(String::as_str)
    }
    /// Whether `who` may see `person` (reference rule, written from the brief).
    fn sees(&self, who: &str, person: &str, disaster: bool) -> bool {
        let named = |vol: &str| {
            self.plans
                .get(person)
                .is_some_and(|p| p.helpers.iter().any(|h| h.id == vol))
        };
        let share = self.plans.get(person).is_some_and(|p| p.consent_share);
        match who {
            "city" => true,
            "coordinator" => self.district[person] == "D01",
            "helper" => named(&self.helper_vol) && (share || disaster),
            "noshare_helper" => named(&self.noshare_vol) && (share || disaster),
            _ => false,
        }
    }
    /// Name, address and phone of every person `who` may not see, minus values an in-scope
    /// person shares (a household).
    fn forbidden(&self, who: &str) -> Vec<String> {
        let values =
            |p: &mimamori::model::Person| [p.name.clone(), p.address.clone(), p.phone.clone()];
        let allowed: BTreeSet<String> = self
            .map
            .people
            .iter()
            .filter(|p| self.sees(who, &p.ext_id, false))
            .flat_map(values)
            .collect();
        self.map
            .people
            .iter()
            .filter(|p| !self.sees(who, &p.ext_id, false))
            .flat_map(values)
            .filter(|v| !v.is_empty() && !allowed.contains(v))
            .collect()
    }
}

#[tokio::test]
async fn authorization_matrix() {
    let fx = setup();
    // Targets: a planned person of D01 and one of D02, and for the helper the person they
    // help (own) and a planned person they do not help (other).
    let planned_in = |d: &str| {
        fx.plans
            .keys()
            .find(|id| fx.district[*id] == d)
            .unwrap()
            .clone()
    };
    let d01 = planned_in("D01");
    let d02 = planned_in("D02");
    let helped = fx
        .plans
        .values()
        .find(|p| p.consent_share && p.helpers.iter().any(|h| h.id == fx.helper_vol))
        .unwrap()
        .person
        .clone();
    let not_helped = fx
        .plans
        .values()
        .find(|p| !p.helpers.iter().any(|h| h.id == fx.helper_vol))
        .unwrap()
        .person
        .clone();
    let roles = ["none", "bad", "city", "coordinator", "helper", "viewer"];
    let mut checked = 0;
    for who in roles {
        let token = match who {
            "none" => None,
            "bad" => Some("0000000000000000000000000000000000000000"),
            w => fx.token(w),
        };
        let forbidden = fx.forbidden(who);
        assert_eq!(
            forbidden.is_empty(),
            who == "city",
            "{who}: out-of-scope values to look for"
        );
        let targets: Vec<(&str, &str)> = if who == "helper" {
            vec![("own", helped.as_str()), ("other", not_helped.as_str())]
        } else {
            vec![("own", d01.as_str()), ("other", d02.as_str())]
        };
        for (scope, person) in targets {
            let own = scope == "own";
            let district = fx.district[person].clone();
            let vol = fx.helper_vol.clone();
            let endpoints: Vec<(&str, String, Option<Value>)> = vec![
                ("GET", "/api/health".into(), None),
                ("GET", "/api/openapi.json".into(), None),
                ("GET", "/api/districts".into(), None),
                ("GET", format!("/api/people?district={district}"), None),
                ("GET", format!("/api/people/{person}/plan"), None),
                ("GET", format!("/api/people/{person}/sheet"), None),
                (
                    "PATCH",
                    format!("/api/people/{person}/plan"),
                    Some(json!({"notes": "確認済み"})),
                ),
                ("GET", format!("/api/uncovered?district={district}"), None),
                (
                    "POST",
                    "/api/watch-records".into(),
                    Some(json!({
                        "date": "2026-11-30", "person_id": person, "volunteer_id": vol,
                        "method": WatchMethod::ALL[0].code(), "outcome": WatchOutcome::ALL[0].code()
                    })),
                ),
                (
                    "POST",
                    "/api/disaster-mode".into(),
                    Some(json!({"on": false, "reason": "訓練"})),
                ),
                ("GET", "/api/audit".into(), None),
            ];
            for (method, uri, body) in endpoints {
                let path = uri.split('?').next().unwrap();
                let public = path == "/api/health" || path == "/api/openapi.json";
                let sees = fx.sees(who, person, false);
                let expected = if public {
                    StatusCode::OK
                } else if who == "none" || who == "bad" {
                    StatusCode::UNAUTHORIZED
                } else {
                    match (path, method) {
                        ("/api/districts", _) => StatusCode::OK,
                        ("/api/people", _) => match who {
                            "city" | "helper" => StatusCode::OK,
                            "coordinator" if own => StatusCode::OK,
                            _ => StatusCode::FORBIDDEN,
                        },
                        ("/api/uncovered", _) => match who {
                            "city" => StatusCode::OK,
                            "coordinator" if own => StatusCode::OK,
                            _ => StatusCode::FORBIDDEN,
                        },
                        ("/api/watch-records", _) => match who {
                            "viewer" => StatusCode::FORBIDDEN,
                            _ if sees => StatusCode::CREATED,
                            _ => StatusCode::NOT_FOUND,
                        },
                        ("/api/disaster-mode" | "/api/audit", _) => match who {
                            "city" => StatusCode::OK,
                            _ => StatusCode::FORBIDDEN,
                        },
                        (p, _) if p.ends_with("/sheet") => match who {
                            "city" | "coordinator" if sees => StatusCode::OK,
                            "city" | "coordinator" => StatusCode::NOT_FOUND,
                            _ => StatusCode::FORBIDDEN,
                        },
                        (_, "PATCH") => match who {
                            "city" | "coordinator" if sees => StatusCode::OK,
                            "city" | "coordinator" => StatusCode::NOT_FOUND,
                            _ => StatusCode::FORBIDDEN,
                        },
                        _ => match who {
                            "viewer" => StatusCode::FORBIDDEN,
                            _ if sees => StatusCode::OK,
                            _ => StatusCode::NOT_FOUND,
                        },
                    }
                };
                let (status, text) = call(&fx.app, method, &uri, token, body).await;
                assert_eq!(status, expected, "{who} {scope} {method} {uri}: {text}");
                for v in &forbidden {
                    assert!(
                        !text.contains(v.as_str()),
                        "{who} {scope} {method} {path}: a personal value of an out-of-scope \
                         person is in the body"
                    );
                }
                if status.is_success() && path.ends_with("/sheet") {
                    assert!(
                        text.contains("<html") && text.contains(person),
                        "{who} {uri}"
                    );
                }
                if !status.is_success() {
                    let e = json_of(&text);
                    assert!(
                        e["code"].is_string()
                            && e["message"]["ja"].is_string()
                            && e["message"]["en"].is_string()
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 2 * 11);
    // A person outside one's scope is answered exactly like a missing id.
    let c = fx.token("coordinator");
    let (s1, b1) = call(&fx.app, "GET", &format!("/api/people/{d02}/plan"), c, None).await;
    let (s2, b2) = call(&fx.app, "GET", "/api/people/P99999/plan", c, None).await;
    assert_eq!((s1, &b1), (s2, &b2));
    // The coordinator's list holds only their district.
    let (_, list) = call(&fx.app, "GET", "/api/people", c, None).await;
    let list = json_of(&list);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = fx
        .district
        .iter()
        .filter(|(_, d)| *d == "D01")
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn districts_add_up_to_the_people_and_statuses() {
    let fx = setup();
    let (s, text) = call(&fx.app, "GET", "/api/districts", fx.token("viewer"), None).await;
    assert_eq!(s, StatusCode::OK);
    let v = json_of(&text);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let code = r["code"].as_str().unwrap();
        let people: Vec<&String> = fx
            .district
            .iter()
            .filter(|(_, d)| *d == code)
            .map(|(p, _)| p)
            .collect();
        assert_eq!(r["people"].as_u64().unwrap() as usize, people.len());
        let covered = people
            .iter()
            .filter(|p| {
                fx.plans
                    .get(**p)
                    .is_some_and(|pl| pl.needs_help && pl.covered)
            })
            .count();
        let uncovered = people
            .iter()
            .filter(|p| {
                fx.plans
                    .get(**p)
                    .is_none_or(|pl| pl.needs_help && !pl.covered)
            })
            .count();
        assert_eq!(r["covered"].as_u64().unwrap() as usize, covered, "{code}");
        assert_eq!(
            r["uncovered"].as_u64().unwrap() as usize,
            uncovered,
            "{code}"
        );
        assert_eq!(
            r["statuses"]["not_started"].as_u64().unwrap() as usize,
            people.len()
        );
    }
    // Uncovered lists the same people with their reasons in both languages.
    let (_, text) = call(
        &fx.app,
        "GET",
        "/api/uncovered?district=D01",
        fx.token("city"),
        None,
    )
    .await;
    let un = json_of(&text);
    let un = un.as_array().unwrap();
    let n = fx
        .district
        .iter()
        .filter(|(p, d)| {
            *d == "D01"
                && fx
                    .plans
                    .get(*p)
                    .is_none_or(|pl| pl.needs_help && !pl.covered)
        })
        .count();
    assert_eq!(un.len(), n);
    for u in un {
        let r = &u["reasons"][0];
        assert!(!r["ja"].as_str().unwrap().is_empty() && !r["en"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn consent_and_disaster_mode() {
    let fx = setup();
    let p = fx.noshare_person.clone();
    let uri = format!("/api/people/{p}/plan");
    let h = fx.token("noshare_helper");
    let person = fx.map.people.iter().find(|x| x.ext_id == p).unwrap();
    // Normal times: invisible, exactly like a missing id; not in their list either.
    let (s, body) = call(&fx.app, "GET", &uri, h, None).await;
    let missing = call(&fx.app, "GET", "/api/people/P99999/plan", h, None).await;
    assert_eq!((s, &body), (missing.0, &missing.1));
    assert!(!body.contains(&person.name) && !body.contains(&person.phone));
    let (_, list) = call(&fx.app, "GET", "/api/people", h, None).await;
    assert!(!list.contains(&format!("\"{p}\"")));
    // A coordinator may not switch; a switch needs a reason.
    let on = json!({"on": true, "reason": "大雨特別警報"});
    let (s, _) = call(
        &fx.app,
        "POST",
        "/api/disaster-mode",
        fx.token("coordinator"),
        Some(on.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(
        &fx.app,
        "POST",
        "/api/disaster-mode",
        fx.token("city"),
        Some(json!({"on": true})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, health) = call(&fx.app, "GET", "/api/health", None, None).await;
    assert_eq!(json_of(&health)["disaster_mode"], false);
    // Disaster mode: the helper sees the helper fields, and only those.
    let (s, _) = call(
        &fx.app,
        "POST",
        "/api/disaster-mode",
        fx.token("city"),
        Some(on),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = call(&fx.app, "GET", &uri, h, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v = json_of(&body);
    assert_eq!(v["access"], "helper");
    assert_eq!(v["plan"]["name"], person.name.as_str());
    for hidden in [
        "kana",
        "birth_date",
        "contacts",
        "notes",
        "support_reasons",
        "helpers",
    ] {
        assert!(
            v["plan"].get(hidden).is_none(),
            "{hidden} shown to a helper"
        );
    }
    for c in &person.contacts {
        assert!(
            c.phone.is_empty() || !body.contains(&c.phone),
            "contact phone shown to a helper"
        );
    }
    assert!(v["status"].is_null());
    // Both the switch and the read are in the audit log.
    let city = fx.token("city");
    let (_, log) = call(
        &fx.app,
        "GET",
        &format!("/api/audit?person={p}"),
        city,
        None,
    )
    .await;
    let log = json_of(&log);
    let reads: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["user"] == "noshare_helper-user" && r["reason"] == format!("GET {uri}").as_str()
        })
        .collect();
    assert_eq!(
        reads.len(),
        1,
        "one audited read (the refused ones read nothing)"
    );
    assert!(
        reads[0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "phone")
    );
    let (_, log) = call(&fx.app, "GET", "/api/audit?user=city-user", city, None).await;
    let log = json_of(&log);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|r| r["fields"][0] == "disaster_mode=on"
                && r["reason"].as_str().unwrap().contains("大雨特別警報"))
    );
    // Off again: invisible again.
    let off = json!({"on": false, "reason": "解除"});
    let (s, _) = call(&fx.app, "POST", "/api/disaster-mode", city, Some(off)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&fx.app, "GET", &uri, h, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patch_is_all_or_nothing_and_survives_a_reload() {
    let fx = setup();
    let c = fx.token("coordinator");
    let p = fx
        .plans
        .keys()
        .find(|id| fx.district[*id] == "D01")
        .unwrap()
        .clone();
    let uri = format!("/api/people/{p}/plan");
    let vol = fx.map.volunteers[0].ext_id.clone();
    let shelter = fx.map.shelters[0].ext_id.clone();
    let refused = [
        (
            json!({"status": "drafting", "notes": "x", "pin": {"helper_id": "V99999"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_helper",
        ),
        (
            json!({"status": "drafting", "pin": {"destination_id": "S-none"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_destination",
        ),
        (
            json!({"status": "complete", "notes": "x"}),
            StatusCode::CONFLICT,
            "bad_transition",
        ),
        (
            json!({"status": "bogus", "notes": "x"}),
            StatusCode::BAD_REQUEST,
            "unknown_status",
        ),
        (
            json!({"colour": "red"}),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (body, status, code) in refused {
        let (s, text) = call(&fx.app, "PATCH", &uri, c, Some(body)).await;
        assert_eq!(s, status, "{text}");
        assert_eq!(json_of(&text)["code"], code);
    }
    {
        let store = Store::open(&fx.path).unwrap();
        assert_eq!(store.status(&p).unwrap().status, PlanStatus::NotStarted);
        assert!(store.status_history(&p).unwrap().is_empty());
        assert!(store.pin(&p).unwrap().is_none(), "nothing half-saved");
    }
    let good = json!({"status": "drafting", "notes": "階段に手すりあり", "pin": {"helper_id": vol, "destination_id": shelter}});
    let (s, text) = call(&fx.app, "PATCH", &uri, c, Some(good)).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let v = json_of(&text);
    assert_eq!(v["status"]["code"], "drafting");
    assert_eq!(v["pin"]["helper_id"], vol.as_str());
    // A fresh connection reads what was saved.
    let store = Store::open(&fx.path).unwrap();
    assert_eq!(store.status(&p).unwrap().status, PlanStatus::Drafting);
    let pin = store.pin(&p).unwrap().unwrap();
    assert_eq!(pin.edit.helper_id.as_deref(), Some(vol.as_str()));
    assert_eq!(pin.edit.destination_id.as_deref(), Some(shelter.as_str()));
    assert_eq!(pin.edit.notes, "階段に手すりあり");
    assert_eq!(pin.set_by, "coordinator-user");
    assert_eq!(store.status_history(&p).unwrap().len(), 1);
}

#[test]
fn status_transitions_follow_the_table() {
    use PlanStatus::*;
    // Rows: from; columns: to (not_started, drafting, confirmed, complete).
    let table = [
        (NotStarted, [true, true, false, false]),
        (Drafting, [false, true, true, false]),
        (ConfirmedWithPerson, [false, true, true, true]),
        (Complete, [false, true, false, true]),
    ];
    for (from, row) in table {
        for (to, ok) in PlanStatus::ALL.iter().zip(row) {
            assert_eq!(allowed_transition(from, *to), ok, "{from:?} -> {to:?}");
        }
    }
}

/// With the engine held, a pin re-plans the district: a helper who can come becomes the
/// person's helper and is saved with the re-planned plans; a helper who cannot is refused with
/// the reason and nothing is saved; an earlier pin survives the next re-plan of the district.
#[tokio::test]
async fn a_pin_replans_the_district_or_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let map = sample();
    let mut store = Store::open(&path).unwrap();
    store
        .import_map(&map, &ImportOptions::default(), NOW, "test", "test")
        .unwrap();
    let engine = engine_for(&store, &Scenario::default(), &PlanParams::default(), NOW).unwrap();
    record_engine_run(&mut store, &engine, NOW, "test").unwrap();
    let run = engine.planned.run().clone();
    let token = store.new_token().unwrap();
    store
        .add_user(
            &NewUser {
                name: "coord".into(),
                role: UserRole::Coordinator,
                district: Some("D01".into()),
                volunteer_id: None,
            },
            &token,
            NOW,
        )
        .unwrap();
    let app = router(AppState::new(store, || NOW).with_engine(engine));
    let in_d01 = |id: &str| {
        let p = map.find_person(id).unwrap();
        map.district(map.person(p).district).code == "D01"
    };
    // A covered person of D01 with an eligible helper who is not theirs, and free.
    let (person, helper) = run
        .plans
        .iter()
        .filter(|p| in_d01(&p.person) && p.needs_help && p.covered)
        .find_map(|p| {
            let ex = run.explanations.get(&p.person)?;
            let h = ex.helpers.iter().find(|h| {
                matches!(&h.status, HelperStatus::NotChosen { helps } if helps.is_empty())
                    || matches!(&h.status, HelperStatus::Backup { busy_with } if busy_with.is_empty())
            })?;
            Some((p.person.clone(), h.id.clone()))
        })
        .expect("a person with a free eligible helper");
    // A helper who cannot come for them: not eligible (out of reach, too late, ...).
    let far = map
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
        .expect("a helper who cannot come");
    let uri = format!("/api/people/{person}/plan");
    let stored = |p: &str| {
        let store = Store::open(&path).unwrap();
        store
            .current_plan(p)
            .unwrap()
            .map(|(_, v)| serde_json::from_value::<Plan>(v).unwrap())
    };
    let before = stored(&person).unwrap();
    // Refused with the reason; nothing saved.
    let (s, text) = call(
        &app,
        "PATCH",
        &uri,
        Some(&token),
        Some(json!({"status": "drafting", "pin": {"helper_id": far}})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let v = json_of(&text);
    assert_eq!(v["code"], "pin_infeasible");
    assert!(
        v["message"]["ja"].as_str().unwrap().contains(far.as_str()),
        "{text}"
    );
    {
        let store = Store::open(&path).unwrap();
        assert!(store.pin(&person).unwrap().is_none(), "nothing half-saved");
        assert_eq!(
            store.status(&person).unwrap().status,
            PlanStatus::NotStarted
        );
    }
    assert_eq!(stored(&person).unwrap(), before);
    // Followed: the helper is the person's, in the answer and in the store.
    let (s, text) = call(
        &app,
        "PATCH",
        &uri,
        Some(&token),
        Some(json!({"status": "drafting", "pin": {"helper_id": helper}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let primary_of =
        |p: &Plan| -> Vec<String> { p.primary_helpers().map(|h| h.id.clone()).collect() };
    let after = stored(&person).unwrap();
    assert!(
        primary_of(&after).contains(&helper),
        "{:?}",
        primary_of(&after)
    );
    assert_ne!(after, before);
    // Another person's pin re-plans the district again: the first pin holds.
    let other = run
        .plans
        .iter()
        .find(|p| in_d01(&p.person) && p.person != person && p.needs_help)
        .map(|p| p.person.clone())
        .expect("another person of D01");
    let shelter = map.shelters[0].ext_id.clone();
    let (s, text) = call(
        &app,
        "PATCH",
        &format!("/api/people/{other}/plan"),
        Some(&token),
        Some(json!({"pin": {"destination_id": shelter}})),
    )
    .await;
    assert!(
        s == StatusCode::OK || s == StatusCode::UNPROCESSABLE_ENTITY,
        "{s} {text}"
    );
    assert!(primary_of(&stored(&person).unwrap()).contains(&helper));
}

/// Many reads at once go through the group-commit audit writer: every read is answered 200,
/// and when its answer arrives its audit row is already committed (read through a separate
/// connection): as many rows as reads, each naming its person and path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_are_each_audited_before_the_answer() {
    let fx = setup();
    let city = fx.token("city").unwrap().to_owned();
    let people: Vec<String> = fx.plans.keys().cloned().collect();
    let reads: Vec<String> = (0..96)
        .map(|i| people[(i * 7) % people.len()].clone())
        .collect();
    let before = Store::open(&fx.path)
        .unwrap()
        .audit(&Default::default())
        .unwrap()
        .len();
    let mut tasks = tokio::task::JoinSet::new();
    for (k, p) in reads.iter().enumerate() {
        let (app, city, p, path) = (fx.app.clone(), city.clone(), p.clone(), fx.path.clone());
        tasks.spawn(async move {
            let (status, _) = call(
                &app,
                "GET",
                &format!("/api/people/{p}/plan"),
                Some(&city),
                None,
            )
            .await;
            // Committed before the answer: visible to another connection now.
            let seen = Store::open(&path)
                .unwrap()
                .audit(&mimamori::store::AuditFilter {
                    person_id: Some(p.clone()),
                    ..Default::default()
                })
                .unwrap()
                .iter()
                .any(|r| r.entry.reason == format!("GET /api/people/{p}/plan"));
            (k, status, seen)
        });
    }
    let mut answered = 0;
    while let Some(r) = tasks.join_next().await {
        let (k, status, seen) = r.unwrap();
        assert_eq!(status, StatusCode::OK, "read {k}");
        assert!(
            seen,
            "read {k}: its audit row was not committed before the answer"
        );
        answered += 1;
    }
    assert_eq!(answered, reads.len());
    let log = Store::open(&fx.path)
        .unwrap()
        .audit(&Default::default())
        .unwrap();
    let new = &log[before..];
    assert_eq!(new.len(), reads.len(), "one audit row per read");
    let mut got: Vec<&str> = new
        .iter()
        .filter_map(|r| r.entry.person_id.as_deref())
        .collect();
    let mut want: Vec<&str> = reads.iter().map(String::as_str).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "the rows name exactly the people read");
    assert!(new.iter().all(|r| r.entry.user == "city-user"));
}
