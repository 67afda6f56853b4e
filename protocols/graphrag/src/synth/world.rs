//! The synthetic world: entities, the facts that tie them and the passages that state
//! the facts (one fact per passage, in one of several paraphrases, padded with neutral
//! sentences), plus distractor passages that name entities without stating a fact.

use super::names::NameGenerator;
use super::Rng;

/// How large a world to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// About 300 passages (CI).
    S,
    /// About 10,000 passages.
    M,
    /// About 100,000 passages (speed only).
    L,
}

impl Size {
    pub fn parse(s: &str) -> Option<Size> {
        match s.to_ascii_uppercase().as_str() {
            "S" => Some(Size::S),
            "M" => Some(Size::M),
            "L" => Some(Size::L),
            _ => None,
        }
    }

    /// People in the world; every other count follows from it.
    fn people(self) -> usize {
        match self {
            Size::S => 48,
            Size::M => 1_600,
            Size::L => 16_000,
        }
    }
}

/// The kind of an entity, named as the extractor types them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Person,
    Organization,
    Location,
    Work,
}

impl EntityKind {
    pub fn type_name(self) -> &'static str {
        match self {
            EntityKind::Person => "PERSON",
            EntityKind::Organization => "ORGANIZATION",
            EntityKind::Location => "LOCATION",
            EntityKind::Work => "WORK",
        }
    }
}

/// A person's facts (indexes into the world's entity lists).
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub born_in: usize,
    pub born_year: u32,
    pub works_for: usize,
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub name: String,
    pub founder: usize,
    pub founded_year: u32,
    pub headquarters: usize,
}

#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub country: String,
}

#[derive(Debug, Clone)]
pub struct Work {
    pub name: String,
    pub author: usize,
    pub year: u32,
}

/// Which fact a passage states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fact {
    BornIn(usize),
    WorksFor(usize),
    Founded(usize),
    Headquarters(usize),
    Wrote(usize),
    LocatedIn(usize),
    /// A distractor: no fact.
    None,
}

/// One passage: the unit of retrieval (one document, one chunk).
#[derive(Debug, Clone)]
pub struct Passage {
    /// `p000123`; the document id, so its chunk id is `p000123#0`.
    pub id: String,
    pub text: String,
    pub fact: Fact,
    /// Every entity the passage names, with its kind (the extraction ground truth).
    pub entities: Vec<(String, EntityKind)>,
}

impl Passage {
    /// The id of the passage's one chunk.
    pub fn chunk_id(&self) -> String {
        format!("{}#0", self.id)
    }
}

/// A generated world.
#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub people: Vec<Person>,
    pub organisations: Vec<Organisation>,
    pub places: Vec<Place>,
    pub works: Vec<Work>,
    pub passages: Vec<Passage>,
}

const FILLERS: &[&str] = &[
    "The account was collected from several local archives.",
    "Little else is recorded about the early years.",
    "Accounts from the period differ on many details.",
    "Historians have written about this at some length.",
    "The records were later digitised by volunteers.",
    "This is mentioned in more than one biography.",
    "Several letters from that time have survived.",
    "The story is often told in the region.",
];

const DISTRACTORS: &[&str] = &[
    "{X} was mentioned in a newspaper column about winter festivals.",
    "A portrait related to {X} hangs in a small gallery.",
    "{X} appeared in a documentary about regional architecture.",
    "Visitors sometimes ask about {X} at the tourist office.",
    "A street market near the station once hosted an exhibition on {X}.",
    "{X} is listed in an old directory of the district.",
];

impl World {
    /// The world of `seed` at `size`; the same arguments always give the same world.
    pub fn generate(seed: u64, size: Size) -> World {
        let mut names = NameGenerator::new(seed);
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let n_people = size.people();
        let n_orgs = (n_people / 3).max(2);
        let n_places = (n_people / 3).max(2);
        let n_works = (n_people / 2).max(1);
        let countries = NameGenerator::countries();
        let places: Vec<Place> =
            (0..n_places).map(|_| Place { name: names.place(), country: rng.pick(countries).to_string() }).collect();
        let people_names: Vec<String> = (0..n_people).map(|_| names.person()).collect();
        let organisations: Vec<Organisation> = (0..n_orgs)
            .map(|i| Organisation {
                name: names.organisation(),
                founder: i % n_people,
                founded_year: 1900 + rng.below(110) as u32,
                headquarters: rng.below(n_places),
            })
            .collect();
        let people: Vec<Person> = people_names
            .into_iter()
            .map(|name| Person {
                name,
                born_in: rng.below(n_places),
                born_year: 1850 + rng.below(140) as u32,
                works_for: rng.below(n_orgs),
            })
            .collect();
        let works: Vec<Work> = (0..n_works)
            .map(|_| Work { name: names.work(), author: rng.below(n_people), year: 1900 + rng.below(120) as u32 })
            .collect();
        let mut world = World { seed, people, organisations, places, works, passages: Vec::new() };
        world.write_passages(&mut rng);
        world
    }

    fn write_passages(&mut self, rng: &mut Rng) {
        use EntityKind::*;
        let mut out: Vec<(String, Fact, Vec<(String, EntityKind)>)> = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            let place = &self.places[p.born_in].name;
            let templates = [
                "{P} was born in {L} in {Y}.",
                "Born in {Y}, {P} grew up in {L}, the town of their birth.",
                "{L} is the birthplace of {P}, who was born there in {Y}.",
                "In {Y}, {P} was born in the town of {L}.",
            ];
            let text = rng
                .pick(&templates)
                .replace("{P}", &p.name)
                .replace("{L}", place)
                .replace("{Y}", &p.born_year.to_string());
            out.push((text, Fact::BornIn(i), vec![(p.name.clone(), Person), (place.clone(), Location)]));
            let org = &self.organisations[p.works_for].name;
            let templates = ["{P} works for {O}.", "{P} joined {O} as a researcher.", "{P} is employed by {O}."];
            let text = rng.pick(&templates).replace("{P}", &p.name).replace("{O}", org);
            out.push((text, Fact::WorksFor(i), vec![(p.name.clone(), Person), (org.clone(), Organization)]));
            for _ in 0..1 + rng.below(2) {
                let text = rng.pick(DISTRACTORS).replace("{X}", &p.name);
                out.push((text, Fact::None, vec![(p.name.clone(), Person)]));
            }
        }
        for (i, o) in self.organisations.iter().enumerate() {
            let founder = &self.people[o.founder].name;
            let templates =
                ["{P} founded {O} in {Y}.", "{O} was founded by {P} in {Y}.", "In {Y}, {P} established {O}."];
            let text = rng
                .pick(&templates)
                .replace("{P}", founder)
                .replace("{O}", &o.name)
                .replace("{Y}", &o.founded_year.to_string());
            out.push((text, Fact::Founded(i), vec![(founder.clone(), Person), (o.name.clone(), Organization)]));
            let hq = &self.places[o.headquarters].name;
            let templates = [
                "{O} is headquartered in {L}.",
                "The headquarters of {O} are in {L}.",
                "{O} operates from its main offices in {L}.",
            ];
            let text = rng.pick(&templates).replace("{O}", &o.name).replace("{L}", hq);
            out.push((text, Fact::Headquarters(i), vec![(o.name.clone(), Organization), (hq.clone(), Location)]));
            let text = rng.pick(DISTRACTORS).replace("{X}", &o.name);
            out.push((text, Fact::None, vec![(o.name.clone(), Organization)]));
        }
        for (i, w) in self.works.iter().enumerate() {
            let author = &self.people[w.author].name;
            let templates = [
                "{P} wrote {W} in {Y}.",
                "{W} is a novel by {P}, published in {Y}.",
                "{P} is the author of {W}, which appeared in {Y}.",
            ];
            let text =
                rng.pick(&templates).replace("{P}", author).replace("{W}", &w.name).replace("{Y}", &w.year.to_string());
            out.push((text, Fact::Wrote(i), vec![(author.clone(), Person), (w.name.clone(), Work)]));
        }
        for (i, l) in self.places.iter().enumerate() {
            let templates = ["{L} is a city in {C}.", "{L}, a town in {C}, lies near the coast."];
            let text = rng.pick(&templates).replace("{L}", &l.name).replace("{C}", &l.country);
            out.push((text, Fact::LocatedIn(i), vec![(l.name.clone(), Location), (l.country.clone(), Location)]));
        }
        // Shuffle deterministically so passage ids do not reveal the fact kind.
        for i in (1..out.len()).rev() {
            let j = rng.below(i + 1);
            out.swap(i, j);
        }
        self.passages = out
            .into_iter()
            .enumerate()
            .map(|(n, (fact_text, fact, entities))| {
                let mut text = fact_text;
                for _ in 0..1 + rng.below(2) {
                    text.push(' ');
                    let filler: &str = *rng.pick(FILLERS);
                    text.push_str(filler);
                }
                Passage { id: format!("p{n:06}"), text, fact, entities }
            })
            .collect();
    }

    /// The passage stating `fact` (every fact has exactly one).
    pub fn passage_of(&self, fact: Fact) -> Option<&Passage> {
        self.passages.iter().find(|p| p.fact == fact)
    }
}
