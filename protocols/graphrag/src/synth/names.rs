//! Deterministic, unique names for the synthetic world: people ("Alice Marlow"),
//! organisations ("Northwind Laboratories"), places ("Port Elmsworth") and works ("The
//! Silent Orchard"). Names are built from syllables so a large world still has distinct,
//! plausible names that no gazetteer knows.

use super::Rng;
use std::collections::HashSet;

const FIRST_NAMES: &[&str] = &[
    "Alice", "Bruno", "Clara", "Daniel", "Elena", "Felix", "Greta", "Hugo", "Irene", "Jonas", "Karin", "Leon", "Marta",
    "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Stefan", "Tessa", "Ulrich", "Vera", "Walter", "Xenia", "Yusuf", "Zora",
    "Amara", "Bastian", "Celine", "Dorian", "Edith", "Florian", "Gemma", "Henrik", "Ingrid", "Jasper", "Livia",
    "Magnus", "Nadia", "Oskar", "Petra", "Rafael", "Sofia", "Tobias", "Ursula", "Viktor", "Wilma", "Anton", "Beatrix",
    "Cyril", "Delphine", "Emil", "Freya", "Gideon", "Hanna", "Isidor", "Judith", "Konrad", "Lotte", "Mila",
];
const SURNAME_HEADS: &[&str] = &[
    "Mar", "Kee", "Hol", "Brand", "Ash", "Dun", "Fair", "Gold", "Har", "Lind", "Mor", "Nor", "Os", "Pen", "Quil",
    "Rad", "Sel", "Thorn", "Vel", "Wex", "Ald", "Bel", "Cor", "Dal", "Elm", "Fen", "Gal", "Hest", "Ivor", "Jar",
];
const SURNAME_MIDS: &[&str] = &["", "a", "e", "i", "o", "er", "en", "in", "or", "an"];
const SURNAME_TAILS: &[&str] = &[
    "low", "ts", "by", "ton", "well", "ford", "wick", "mere", "dale", "hart", "stone", "field", "more", "ley", "worth",
    "croft", "bury", "ham", "shaw", "ridge",
];
const ORG_HEADS: &[&str] = &[
    "North", "Blue", "Silver", "Iron", "Bright", "Cedar", "Crescent", "Falcon", "Granite", "Harbor", "Lumen", "Maple",
    "Nimbus", "Orion", "Pioneer", "Quartz", "Raven", "Summit", "Tidal", "Vertex", "Willow", "Amber", "Beacon",
    "Cobalt", "Delta", "Ember", "Frost", "Golden", "Helix", "Indigo",
];
const ORG_MIDS: &[&str] = &["wind", "field", "gate", "stone", "bridge", "peak", "brook", "light", "crest", "vale"];
const ORG_SUFFIXES: &[&str] = &[
    "Laboratories",
    "Industries",
    "Institute",
    "Foundation",
    "Corporation",
    "Group",
    "Society",
    "Company",
    "Systems",
    "Works",
];
const PLACE_PREFIXES: &[&str] = &["Port", "Lake", "Mount", "New", "East", "West", "Fort", "Saint"];
const PLACE_HEADS: &[&str] = &[
    "Elms", "Ash", "Bram", "Cal", "Dun", "Ever", "Glen", "Hart", "Kings", "Lang", "Mill", "Oak", "Pem", "Red", "Stan",
    "Thorn", "Wey", "Win", "Yar", "Zell",
];
const PLACE_TAILS: &[&str] = &["worth", "ford", "haven", "mouth", "bury", "wick", "field", "stead", "port", "holm"];
const WORK_ADJECTIVES: &[&str] = &[
    "Silent",
    "Broken",
    "Hidden",
    "Last",
    "Golden",
    "Distant",
    "Quiet",
    "Winter",
    "Burning",
    "Forgotten",
    "Endless",
    "Scarlet",
    "Hollow",
    "Wandering",
    "Crystal",
];
const WORK_NOUNS: &[&str] = &[
    "Orchard", "Harbor", "Lantern", "River", "Garden", "Mirror", "Tower", "Voyage", "Meadow", "Archive", "Bridge",
    "Compass", "Forest", "Letter", "Signal",
];
const COUNTRIES: &[&str] =
    &["Avaloria", "Brenmark", "Castavia", "Dorvania", "Estmere", "Falkreach", "Galvany", "Hollaris"];

/// Draws names that were not drawn before.
pub struct NameGenerator {
    rng: Rng,
    used: HashSet<String>,
}

impl NameGenerator {
    pub fn new(seed: u64) -> Self {
        NameGenerator { rng: Rng::new(seed), used: HashSet::new() }
    }

    fn unique(&mut self, draw: impl Fn(&mut Rng, u32) -> String) -> String {
        for attempt in 0.. {
            let name = draw(&mut self.rng, attempt / 64);
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    pub fn person(&mut self) -> String {
        self.unique(|r, extra| {
            let mut surname = format!("{}{}{}", r.pick(SURNAME_HEADS), r.pick(SURNAME_MIDS), r.pick(SURNAME_TAILS));
            if extra > 0 {
                surname = format!("{}{}", r.pick(SURNAME_HEADS), surname.to_lowercase());
            }
            format!("{} {}", r.pick(FIRST_NAMES), surname)
        })
    }

    pub fn organisation(&mut self) -> String {
        self.unique(|r, extra| {
            let head = format!("{}{}", r.pick(ORG_HEADS), r.pick(ORG_MIDS));
            let head = if extra > 0 { format!("{} {}", r.pick(ORG_HEADS), head) } else { head };
            format!("{} {}", head, r.pick(ORG_SUFFIXES))
        })
    }

    pub fn place(&mut self) -> String {
        self.unique(|r, extra| {
            let core = format!("{}{}", r.pick(PLACE_HEADS), r.pick(PLACE_TAILS));
            let core = if extra > 0 { format!("{}{}", r.pick(PLACE_HEADS), core.to_lowercase()) } else { core };
            if r.chance(0.4) {
                format!("{} {}", r.pick(PLACE_PREFIXES), core)
            } else {
                core
            }
        })
    }

    pub fn work(&mut self) -> String {
        self.unique(|r, extra| {
            let base = format!("The {} {}", r.pick(WORK_ADJECTIVES), r.pick(WORK_NOUNS));
            if extra > 0 {
                format!("{} of {}", base, r.pick(WORK_NOUNS))
            } else {
                base
            }
        })
    }

    /// The fixed list of countries places belong to.
    pub fn countries() -> &'static [&'static str] {
        COUNTRIES
    }
}
