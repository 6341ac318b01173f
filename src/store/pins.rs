//! Pins between the map folder and the store. The map folder's `pins.csv` is read by the
//! loader (`io::mapdir::pins_from`, into `Map::pins`); here a map's pins become the rows the
//! store keeps by the data's own ids, and stored pins go back into a map for `db export`.

use crate::model::{Map, Pin};

/// One pin by the data's own ids, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRow {
    pub person_id: String,
    pub helper_id: Option<String>,
    pub destination_id: Option<String>,
    pub note: String,
}

impl PinRow {
    /// The pins of a loaded map (its `pins.csv`), in file order.
    pub fn from_map(map: &Map) -> Vec<PinRow> {
        map.pins
            .iter()
            .map(|p| PinRow {
                person_id: map.person(p.person).ext_id.clone(),
                helper_id: p.helper.map(|v| map.volunteer(v).ext_id.clone()),
                destination_id: p.destination.map(|s| map.shelter(s).ext_id.clone()),
                note: p.note.clone(),
            })
            .collect()
    }

    /// This pin in `map`'s ids, for writing `pins.csv`: an id no longer in the map is left
    /// out (the import reported it as dangling), and a pin left with neither is dropped.
    pub fn to_pin(&self, map: &Map) -> Option<Pin> {
        let person = map.find_person(&self.person_id)?;
        let helper = self
            .helper_id
            .as_deref()
            .and_then(|h| map.find_volunteer(h));
        let destination = self
            .destination_id
            .as_deref()
            .and_then(|d| map.shelter_ids().find(|s| map.shelter(*s).ext_id == d));
        (helper.is_some() || destination.is_some()).then(|| Pin {
            person,
            helper,
            destination,
            note: self.note.clone(),
        })
    }
}
