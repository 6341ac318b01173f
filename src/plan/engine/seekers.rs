//! The people still without a full set of helpers, as the planner's own helper search sees
//! them: where a new helper would have to live, and what they would have to bring, for the
//! planner to accept them (for `mimamori recruit`, `crate::recruit`).
//!
//! Nothing here is a second copy of the rules: the run is the engine's own (routing,
//! destinations under capacity, `find_helpers` with its filters), and [`Seeker::travel_from`]
//! is `find_helpers`' reach and time test applied to one more home.

use super::*;

/// A person who needs neighbours now and nothing but helpers stands in the way (a destination
/// or the home is settled), as the helper matching sees them.
#[derive(Clone, Debug)]
pub struct Seeker {
    pub person: PersonId,
    /// The helper matching's weight: priority weight, people who must leave first
    /// (`priority.leave_first`), as the planner weighs them among the people returned.
    pub weight: u64,
    pub need: EvacuationNeed,
    pub mobility: Mobility,
    /// Neighbours needed now (a family member at home already counted).
    pub neighbours: u8,
    /// Of those, helpers with a car (the person goes by car: one drives).
    pub vehicles: u8,
    /// A skill every helper must have (wheelchair training, when the district requires it).
    pub skill: Option<Skill>,
    /// A new helper (a stranger to the person) is kept among the `helpers.candidates`
    /// cheapest eligible helpers only with a cost below this; `None`: there is room.
    pub cost_cutoff: Option<u64>,
    /// Eligible helpers of the map already in reach (after the planner's filters), by
    /// volunteer id.
    pub eligible_now: Vec<VolunteerId>,
    /// Per road node the helpers' search settled within the travel limit: (node, seconds from
    /// leaving the node to the person's door, latest departure from the node), by node.
    reach: Vec<(NodeId, f64, f64)>,
    limit_secs: f64,
    warning_secs: f64,
    walk_mps: f64,
}

impl Seeker {
    /// Door-to-door seconds for a volunteer whose home snaps for walking to `node`, `snap_m`
    /// metres away, if the planner would count them as in reach and in time (the tests of
    /// `find_helpers`); `None` otherwise.
    pub fn travel_from(&self, node: NodeId, snap_m: f64) -> Option<f64> {
        let i = self.reach.binary_search_by(|r| r.0.cmp(&node)).ok()?;
        let (_, t, latest) = self.reach[i];
        let leg = snap_m / self.walk_mps;
        let secs = t + leg;
        (secs <= self.limit_secs + EPS && latest - leg + EPS >= self.warning_secs).then_some(secs)
    }

    /// The road nodes a helper could set off from (before the snap leg), by node.
    pub fn reach_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.reach.iter().map(|r| r.0)
    }
}

/// The [`Seeker`]s among `people` (internal ids), in person order: the engine's run up to the
/// helper search, for the people asked about only. People stopped before the helper search
/// (no consent, no safe route, no destination, …) and people who need no neighbour are left
/// out: a new helper cannot change their plan.
pub fn seekers(
    map: &Map,
    graph: &RoadGraph,
    scenario: &Scenario,
    params: &PlanParams,
    as_of: Date,
    people: &BTreeSet<PersonId>,
) -> Result<Vec<Seeker>, PlanError> {
    let cache = MapCache::new(map, graph, params);
    let st = ScenarioState::new(map, graph, scenario, params, as_of, &cache)?;
    let prep = Prep::new(
        map, graph, scenario, params, as_of, &cache, &st, &map.pins, None,
    );
    let consenting: Vec<PersonId> = map
        .person_ids()
        .filter(|p| map.person(*p).consent.plan)
        .collect();
    let mut works: Vec<Work> = consenting
        .par_iter()
        .map_init(SearchTree::new, |tree, pid| route_person(&prep, tree, *pid))
        .collect();
    assign_destinations(&prep, &mut works, &[])?;
    let round_nodes = vec![false; graph.node_count()];
    let limit = params.helpers.max_travel_min * 60.0;
    let walk = prep.speed(Profile::Walk);
    let keep = params.helpers.candidates.max(2);
    let found: Vec<Option<(usize, Seeker)>> = works
        .par_iter_mut()
        .enumerate()
        .map_init(LatestTree::new, |tree, (wi, w)| {
            if !people.contains(&w.pid) || !w.seeks_helpers() || w.neighbours() == 0 {
                return None;
            }
            find_helpers(&prep, tree, w, &round_nodes);
            let home = w.home?;
            let help_by = w.help_deadline_secs(&prep)?;
            let door_leg = w.home_snap_m / walk;
            // The same search as find_helpers' first one (find_helpers may widen it after).
            helper_search(
                &prep,
                tree,
                home,
                help_by - door_leg,
                helper_search_limit(params),
            );
            let mut reach: Vec<(NodeId, f64, f64)> = tree
                .settled()
                .iter()
                .filter_map(|&n| {
                    let t = tree.travel_secs(n)? + door_leg;
                    (t <= limit + EPS).then_some((n, t, tree.latest(n)?))
                })
                .collect();
            reach.sort_by_key(|r| r.0);
            let p = map.person(w.pid);
            let skill = match w.assessment.need {
                EvacuationNeed::Leave if w.method == Method::Car => None,
                EvacuationNeed::Leave => skill_needed(p.mobility, &params.helpers),
                _ => None,
            };
            let cost_cutoff = (w.eligible.len() >= keep).then(|| w.eligible[keep - 1].cost);
            Some((
                wi,
                Seeker {
                    person: w.pid,
                    weight: 0,
                    need: w.assessment.need,
                    mobility: p.mobility,
                    neighbours: w.neighbours(),
                    vehicles: w.vehicles_needed(&prep),
                    skill,
                    cost_cutoff,
                    eligible_now: w.eligible.iter().map(|e| e.volunteer).collect(),
                    reach,
                    limit_secs: limit,
                    warning_secs: prep.warning_secs,
                    walk_mps: walk,
                },
            ))
        })
        .collect();
    let found: Vec<(usize, Seeker)> = found.into_iter().flatten().collect();
    // The matching's weights: one more than everyone helped upstairs for each person who
    // must leave (as match_helpers, among these people).
    let leave_scale = 1 + found
        .iter()
        .filter(|(wi, _)| works[*wi].assessment.need == EvacuationNeed::Upstairs)
        .map(|(wi, _)| works[*wi].weight(&prep, 1))
        .sum::<u64>();
    Ok(found
        .into_iter()
        .map(|(wi, mut s)| {
            s.weight = works[wi].weight(&prep, leave_scale);
            s
        })
        .collect())
}
