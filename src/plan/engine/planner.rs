//! An engine a server can hold: a [`Planner`] keeps a map, its road graph and every per-map cache
//! ([`MapCache`]); a scenario is planned on top ([`Planner::plan`] → [`Planned`]), and one
//! district is re-planned after a change ([`Planner::replan`]) without planning the city again.
//!
//! A district re-plan re-solves only what the change touches:
//! - the people of the district, and anyone the change itself touches (the pinned person, the
//!   people of a withdrawn helper, the people whose route or helper ways use a closed road),
//!   are re-planned: destinations (with the seats others hold), helper searches, the matching,
//!   rounds and backups;
//! - everyone else keeps their destination, helpers and backup. People outside the district who
//!   share a helper with it (through that helper's round, and on through pairs) take part in the
//!   matching with their helpers held, so rounds and capacities stay whole; the backup places
//!   and seats of everyone else count as taken;
//! - only people who are re-planned are routed again (a closed road), and the summary's counts
//!   are recounted over every plan. The main-watcher and round figures of the summary and the
//!   matching dumps stay those of the last full plan.
//!
//! A full [`Planner::plan`] with the same inputs is the reference: when the district shares no
//! helper, shelter or road with the rest, a re-plan gives exactly its plans (tested).

use super::*;

/// A map held for planning, with its road graph, parameters and caches.
pub struct Planner {
    map: Map,
    graph: RoadGraph,
    params: PlanParams,
    cache: MapCache,
}

/// One planned scenario, kept so that districts can be re-planned after a change.
#[derive(Clone)]
pub struct Planned {
    scenario: Scenario,
    as_of: Date,
    st: ScenarioState,
    /// Hand-set choices (start: the map's `pins.csv`; changed by [`Change::Pin`]).
    pins: Vec<Pin>,
    /// Every consenting person's work as routed, in person order.
    routed: Vec<Work>,
    /// The same after destinations and the helper search (before the matching).
    found: Vec<Work>,
    round_nodes: Vec<bool>,
    /// People whose routes may use a road closed since they were routed.
    stale_route: BTreeSet<PersonId>,
    /// People whose helper search may have counted a helper since withdrawn, or a way along a
    /// road since closed.
    stale_help: BTreeSet<PersonId>,
    /// Current choices per person: primaries, backup, destination.
    chosen: BTreeMap<PersonId, Chosen>,
    run: PlanRun,
}

#[derive(Clone, Debug, Default)]
struct Chosen {
    primaries: Vec<VolunteerId>,
    backup: Option<VolunteerId>,
    destination: Option<ShelterId>,
}

/// A change a coordinator makes between plans.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// Nothing changed (re-plan as is).
    None,
    /// Sets a person's pin (helper and/or destination; `None` parts are not pinned).
    Pin {
        person: String,
        helper: Option<String>,
        destination: Option<String>,
    },
    /// Removes a person's pin.
    Unpin { person: String },
    /// A helper withdraws: unavailable from now on.
    HelperWithdrawn { helper: String },
    /// A road is closed (every segment of it).
    RoadClosed { road: String },
}

/// What a re-plan did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replanned {
    /// People whose plans were drafted again, by id.
    pub replanned: Vec<String>,
    /// Of them, people outside the district (their helpers were held).
    pub held: Vec<String>,
    /// People whose primary helpers, backup or destination changed, by id.
    pub changed: Vec<String>,
}

impl Planner {
    /// Holds `map` and its road graph `graph` (built from `map.roads`) with `params`.
    pub fn new(map: Map, graph: RoadGraph, params: PlanParams) -> Planner {
        let cache = MapCache::new(&map, &graph, &params);
        Planner {
            map,
            graph,
            params,
            cache,
        }
    }

    pub fn map(&self) -> &Map {
        &self.map
    }

    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    pub fn params(&self) -> &PlanParams {
        &self.params
    }

    /// Plans every person for `scenario` (as [`plan_with_progress`] does) and keeps what a
    /// district re-plan needs.
    pub fn plan(
        &self,
        scenario: &Scenario,
        as_of: Date,
        previous: Option<&Previous>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Planned, PlanError> {
        let st = ScenarioState::new(
            &self.map,
            &self.graph,
            scenario,
            &self.params,
            as_of,
            &self.cache,
        )?;
        let prep = Prep::new(
            &self.map,
            &self.graph,
            scenario,
            &self.params,
            as_of,
            &self.cache,
            &st,
            &self.map.pins,
            previous,
        );
        let (run, routed) = plan_prepared(&prep, previous, progress, true)?;
        let Routed {
            works,
            found,
            round_nodes,
        } = routed.expect("kept");
        let chosen = chosen_of(&self.cache, run.plans.iter());
        drop(prep);
        Ok(Planned {
            scenario: scenario.clone(),
            as_of,
            st,
            pins: self.map.pins.clone(),
            routed: works,
            found,
            round_nodes,
            stale_route: BTreeSet::new(),
            stale_help: BTreeSet::new(),
            chosen,
            run,
        })
    }

    /// Applies `change` and re-plans `district` (a district code) and whatever the change
    /// touches, keeping everyone else's choices (see the module documentation).
    pub fn replan(
        &self,
        planned: &mut Planned,
        district: &str,
        change: &Change,
    ) -> Result<Replanned, PlanError> {
        let map = &self.map;
        let Some(did) = map.find_district(district) else {
            return Err(PlanError::UnknownId {
                kind: "district",
                id: district.to_owned(),
            });
        };
        let person_id = |id: &str| {
            self.cache
                .person_by_id
                .get(id)
                .copied()
                .ok_or_else(|| PlanError::UnknownId {
                    kind: "person",
                    id: id.to_owned(),
                })
        };
        let volunteer_id = |id: &str| {
            self.cache
                .volunteer_by_id
                .get(id)
                .copied()
                .ok_or_else(|| PlanError::UnknownId {
                    kind: "helper",
                    id: id.to_owned(),
                })
        };
        // 1. The change, and who it touches beyond the district.
        let mut touched: BTreeSet<PersonId> = BTreeSet::new();
        match change {
            Change::None => {}
            Change::Pin {
                person,
                helper,
                destination,
            } => {
                let pid = person_id(person)?;
                let helper = helper.as_deref().map(volunteer_id).transpose()?;
                let destination = destination
                    .as_deref()
                    .map(|d| {
                        self.cache.shelter_by_id.get(d).copied().ok_or_else(|| {
                            PlanError::UnknownId {
                                kind: "destination",
                                id: d.to_owned(),
                            }
                        })
                    })
                    .transpose()?;
                let note = planned
                    .pins
                    .iter()
                    .find(|p| p.person == pid)
                    .map(|p| p.note.clone())
                    .unwrap_or_default();
                planned.pins.retain(|p| p.person != pid);
                planned.pins.push(Pin {
                    person: pid,
                    helper,
                    destination,
                    note,
                });
                planned.pins.sort_by_key(|p| p.person);
                touched.insert(pid);
            }
            Change::Unpin { person } => {
                let pid = person_id(person)?;
                planned.pins.retain(|p| p.person != pid);
                touched.insert(pid);
            }
            Change::HelperWithdrawn { helper } => {
                let v = volunteer_id(helper)?;
                planned.st.available[v.index()] = false;
                for (pid, c) in &planned.chosen {
                    if c.primaries.contains(&v) || c.backup == Some(v) {
                        touched.insert(*pid);
                    }
                }
                for w in &planned.found {
                    if w.eligible.iter().any(|e| e.volunteer == v) {
                        planned.stale_help.insert(w.pid);
                    }
                }
            }
            Change::RoadClosed { road } => {
                let closed = close_roads(&self.graph, [road.as_str()])?;
                planned.st.closures.union_with(&closed);
                planned.st.avoid.union_with(&closed);
                let mut ends = BTreeSet::new();
                let mut pairs = BTreeSet::new();
                for e in closed.iter() {
                    let ed = self.graph.edge(e);
                    ends.insert(ed.from);
                    ends.insert(ed.to);
                    pairs.insert((ed.from, ed.to));
                    pairs.insert((ed.to, ed.from));
                }
                // A destination search is repeated only if a closed segment lies on its way
                // to a destination it reached (its footprint): closing roads only lengthens
                // ways, so a shortest way that avoids them stays the shortest (and the same
                // one: ties were not broken through it), no destination comes into reach, and
                // the widening steps stop where they stopped.
                let runs_along =
                    |nodes: &[NodeId]| nodes.windows(2).any(|p| pairs.contains(&(p[0], p[1])));
                // Helper searches also time candidates that are not eligible and the legs of
                // rounds, whose ways are not kept: any way through an end of a closed segment
                // counts (wider, and cheap: few people seek helpers).
                let uses = |nodes: &[NodeId]| nodes.iter().any(|n| ends.contains(n));
                for w in &planned.found {
                    let c = planned.chosen.get(&w.pid).cloned().unwrap_or_default();
                    let depends = w
                        .footprint
                        .as_ref()
                        .is_none_or(|f| f.iter().any(|e| closed.is_closed(*e)));
                    if depends {
                        planned.stale_route.insert(w.pid);
                        planned.stale_help.insert(w.pid);
                        if w.dest
                            .iter()
                            .any(|d| Some(d.shelter) == c.destination && runs_along(&d.nodes))
                        {
                            touched.insert(w.pid);
                        }
                    }
                    if w.dest.iter().any(|d| uses(&d.nodes)) {
                        planned.stale_help.insert(w.pid);
                    }
                    for e in w.eligible.iter().filter(|e| uses(&e.nodes)) {
                        planned.stale_help.insert(w.pid);
                        if c.primaries.contains(&e.volunteer) || c.backup == Some(e.volunteer) {
                            touched.insert(w.pid);
                        }
                    }
                }
            }
        }
        let prep = Prep::new(
            map,
            &self.graph,
            &planned.scenario,
            &self.params,
            planned.as_of,
            &self.cache,
            &planned.st,
            &planned.pins,
            None,
        );
        // 2. Who is re-planned: the district and the touched. Routed again where a road
        //    closed on their way; destinations again for all of them, with the seats others
        //    hold; the helper search again where anything it depends on changed.
        let free: BTreeSet<PersonId> = planned
            .routed
            .iter()
            .map(|w| w.pid)
            .filter(|p| map.person(*p).district == did || touched.contains(p))
            .collect();
        // Routed again in parallel where stale (results keep person order).
        let mut sub: Vec<Work> = planned
            .routed
            .par_iter()
            .filter(|w| free.contains(&w.pid))
            .map_init(SearchTree::new, |tree, w| {
                if planned.stale_route.contains(&w.pid) {
                    route_person(&prep, tree, w.pid)
                } else {
                    w.clone()
                }
            })
            .collect();
        let rerouted: Vec<Work> = sub
            .iter()
            .filter(|w| planned.stale_route.contains(&w.pid))
            .cloned()
            .collect();
        let seats_taken = {
            let mut t = vec![0u32; map.shelters.len()];
            for (pid, c) in &planned.chosen {
                if let (false, Some(s)) = (free.contains(pid), c.destination) {
                    t[s.index()] += 1;
                }
            }
            t
        };
        let destinations = assign_destinations(&prep, &mut sub, &seats_taken)?;
        let mut new_round_node = false;
        for w in sub.iter().filter(|w| w.seeks_helpers()) {
            for n in stop_end(&prep, w).map(|e| e.0).into_iter().chain(w.home) {
                new_round_node |= !planned.round_nodes[n.index()];
                planned.round_nodes[n.index()] = true;
            }
        }
        let found_of = |pid: PersonId| {
            planned
                .found
                .binary_search_by_key(&pid, |w| w.pid)
                .ok()
                .map(|i| &planned.found[i])
        };
        let pin_person = match change {
            Change::Pin { person, .. } | Change::Unpin { person } => person_id(person).ok(),
            _ => None,
        };
        let mut search: Vec<Work> = Vec::new();
        let mut kept: Vec<Work> = Vec::new();
        for w in sub {
            let reuse = found_of(w.pid).filter(|f| {
                !new_round_node
                    && !planned.stale_help.contains(&w.pid)
                    && !planned.stale_route.contains(&w.pid)
                    && pin_person != Some(w.pid)
                    && f.chosen_dest.map(|i| f.dest[i].shelter)
                        == w.chosen_dest.map(|i| w.dest[i].shelter)
            });
            match reuse {
                Some(f) => kept.push(f.clone()),
                None => search.push(w),
            }
        }
        find_all_helpers(&prep, &mut search, &planned.round_nodes);
        let mut sub = kept;
        sub.append(&mut search);
        // 3. Everyone sharing a helper with them is held, through pairs, until closed.
        let mut helpers: BTreeSet<VolunteerId> = sub
            .iter()
            .flat_map(|w| w.eligible.iter().map(|e| e.volunteer))
            .collect();
        let mut held_people: BTreeSet<PersonId> = BTreeSet::new();
        loop {
            let before = held_people.len();
            for (pid, c) in &planned.chosen {
                if !free.contains(pid)
                    && !held_people.contains(pid)
                    && c.primaries.iter().any(|v| helpers.contains(v))
                {
                    held_people.insert(*pid);
                    helpers.extend(c.primaries.iter().copied());
                }
            }
            if held_people.len() == before {
                break;
            }
        }
        // Held people: their work as found (their helper searches time their helpers' ways and
        // rounds as in a full run); searched again if something it depends on changed.
        let mut held_works: Vec<Work> = Vec::new();
        let mut held_search: Vec<Work> = Vec::new();
        for pid in &held_people {
            let stale = planned.stale_help.contains(pid) || planned.stale_route.contains(pid);
            match found_of(*pid) {
                Some(f) if !stale => held_works.push(f.clone()),
                _ => {
                    let Some(r) = planned.routed.iter().find(|w| w.pid == *pid) else {
                        continue;
                    };
                    let mut w = r.clone();
                    let dest = planned.chosen.get(pid).and_then(|c| c.destination);
                    w.chosen_dest = w.dest.iter().position(|d| Some(d.shelter) == dest);
                    held_search.push(w);
                }
            }
        }
        find_all_helpers(&prep, &mut held_search, &planned.round_nodes);
        held_works.append(&mut held_search);
        let everyone: BTreeSet<PersonId> = free.union(&held_people).copied().collect();
        let mut backups_taken: BTreeMap<VolunteerId, u32> = BTreeMap::new();
        for (pid, c) in &planned.chosen {
            if let (false, Some(b)) = (everyone.contains(pid), c.backup) {
                *backups_taken.entry(b).or_insert(0) += 1;
            }
        }
        sub.extend(held_works);
        sub.sort_by_key(|w| w.pid);
        let held: Vec<Option<Held>> = sub
            .iter()
            .map(|w| {
                held_people.contains(&w.pid).then(|| {
                    let c = &planned.chosen[&w.pid];
                    Held {
                        primaries: c.primaries.clone(),
                        backup: c.backup,
                    }
                })
            })
            .collect();
        let found_now = sub.clone();
        let (helper_dump, backups) = match_helpers(&prep, &mut sub, &held, &backups_taken)?;
        let part = assemble(
            &prep,
            sub,
            destinations,
            helper_dump,
            backups,
            None,
            Some(&everyone),
        );
        // 4. Spliced into the run; the counts recounted.
        let ext: BTreeSet<&str> = everyone
            .iter()
            .map(|p| map.person(*p).ext_id.as_str())
            .collect();
        let run = &mut planned.run;
        // What decides "changed": helpers with roles, destination, covered.
        type Choice = (Vec<(String, HelperRole)>, Option<String>, bool);
        let choice = |pl: &Plan| -> Choice {
            (
                pl.helpers.iter().map(|h| (h.id.clone(), h.role)).collect(),
                pl.destination.as_ref().map(|d| d.id.clone()),
                pl.covered,
            )
        };
        let old: BTreeMap<String, Choice> = run
            .plans
            .iter()
            .filter(|p| ext.contains(p.person.as_str()))
            .map(|p| (p.person.clone(), choice(p)))
            .collect();
        // Plans are in person order: each new plan replaces its old one in place (a person
        // without one before is inserted at its place); a re-planned person without a new
        // plan loses the old one.
        let part_people: BTreeSet<String> = part.plans.iter().map(|p| p.person.clone()).collect();
        for p in part.plans {
            match run.plans.binary_search_by(|x| x.person.cmp(&p.person)) {
                Ok(i) => run.plans[i] = p,
                Err(i) => run.plans.insert(i, p),
            }
        }
        if part_people.len() != ext.len() {
            run.plans
                .retain(|p| !ext.contains(p.person.as_str()) || part_people.contains(&p.person));
        }
        run.uncovered.retain(|u| !ext.contains(u.person.as_str()));
        run.uncovered.extend(part.uncovered);
        run.uncovered.sort_by(|a, b| {
            a.priority
                .cmp(&b.priority)
                .then(a.district.cmp(&b.district))
                .then(a.person.cmp(&b.person))
        });
        run.explanations.retain(|k, _| !ext.contains(k.as_str()));
        run.explanations.extend(part.explanations);
        let extras = run.summary.clone();
        let mut summary = summarise(
            map,
            &planned.scenario,
            &extras.as_of,
            &run.plans,
            &run.uncovered,
            extras.matching_optimal && part.summary.matching_optimal,
        );
        summary.main_watcher_eligible = extras.main_watcher_eligible;
        summary.main_watcher_primary = extras.main_watcher_primary;
        summary.main_watcher_busy_own = extras.main_watcher_busy_own;
        summary.helpers_with_rounds = extras.helpers_with_rounds;
        summary.round_splits = extras.round_splits;
        count_warnings(&prep, &run.plans, &mut summary);
        run.summary = summary;
        let mut changed = Vec::new();
        let now: BTreeMap<&str, &Plan> = run
            .plans
            .iter()
            .filter(|p| ext.contains(p.person.as_str()))
            .map(|p| (p.person.as_str(), p))
            .collect();
        // Only the re-planned people's choices can have changed.
        let new_chosen = chosen_of(&self.cache, now.values().copied());
        for p in &everyone {
            let before = old.get(&map.person(*p).ext_id);
            let after = now.get(map.person(*p).ext_id.as_str()).map(|pl| choice(pl));
            if before != after.as_ref() {
                changed.push(map.person(*p).ext_id.clone());
            }
        }
        for p in &everyone {
            planned.chosen.remove(p);
        }
        planned.chosen.extend(new_chosen);
        for w in rerouted {
            planned.stale_route.remove(&w.pid);
            if let Ok(i) = planned.routed.binary_search_by_key(&w.pid, |x| x.pid) {
                planned.routed[i] = w;
            }
        }
        for w in found_now {
            planned.stale_help.remove(&w.pid);
            if let Ok(i) = planned.found.binary_search_by_key(&w.pid, |x| x.pid) {
                planned.found[i] = w;
            }
        }
        let held_ids = held_people
            .iter()
            .map(|p| map.person(*p).ext_id.clone())
            .collect();
        Ok(Replanned {
            replanned: everyone
                .iter()
                .map(|p| map.person(*p).ext_id.clone())
                .collect(),
            held: held_ids,
            changed,
        })
    }
}

impl Planned {
    /// The current plans: the full run, with every re-plan since spliced in.
    pub fn run(&self) -> &PlanRun {
        &self.run
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }
}

/// Every planned person's primaries, backup and destination, in internal ids.
fn chosen_of<'p>(
    cache: &MapCache,
    plans: impl Iterator<Item = &'p Plan>,
) -> BTreeMap<PersonId, Chosen> {
    let mut out = BTreeMap::new();
    for p in plans {
        let Some(&pid) = cache.person_by_id.get(&p.person) else {
            continue;
        };
        let vol = |id: &str| cache.volunteer_by_id.get(id).copied();
        out.insert(
            pid,
            Chosen {
                primaries: p
                    .helpers
                    .iter()
                    .filter(|h| h.role == HelperRole::Primary)
                    .filter_map(|h| vol(&h.id))
                    .collect(),
                backup: p.backup_helper().and_then(|h| vol(&h.id)),
                destination: p
                    .destination
                    .as_ref()
                    .and_then(|d| cache.shelter_by_id.get(&d.id).copied()),
            },
        );
    }
    out
}
