//! Questions about a [`World`], each with its gold passages and answer: single-hop (one
//! fact), two-hop bridge (two facts joined by an entity the question does not name) and
//! comparison (the same fact of two named entities).

use super::world::{Fact, Size, World};
use super::Rng;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    SingleHop,
    TwoHop,
    Comparison,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [QuestionKind::SingleHop, QuestionKind::TwoHop, QuestionKind::Comparison];

    pub fn name(self) -> &'static str {
        match self {
            QuestionKind::SingleHop => "single-hop",
            QuestionKind::TwoHop => "two-hop",
            QuestionKind::Comparison => "comparison",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Question {
    pub kind: QuestionKind,
    pub text: String,
    /// Chunk ids of the passages that together answer it.
    pub gold: Vec<String>,
    pub answer: String,
}

impl World {
    /// The question set of this world: for S 60 single-hop, 40 two-hop and 20 comparison
    /// questions; for M and L five times as many. Deterministic for the world's seed.
    pub fn questions(&self, size: Size) -> Vec<Question> {
        let scale = if size == Size::S { 1 } else { 5 };
        let by_fact: HashMap<Fact, String> = self.passages.iter().map(|p| (p.fact, p.chunk_id())).collect();
        let gold = |facts: &[Fact]| -> Option<Vec<String>> { facts.iter().map(|f| by_fact.get(f).cloned()).collect() };
        let mut rng = Rng::new(self.seed.wrapping_add(0xC0FFEE));
        let mut out = Vec::new();
        let (np, no, nw) = (self.people.len(), self.organisations.len(), self.works.len());
        let mut attempts = 0;
        while out.iter().filter(|q: &&Question| q.kind == QuestionKind::SingleHop).count() < 60 * scale
            && attempts < 100_000
        {
            attempts += 1;
            let q = match rng.below(5) {
                0 => {
                    let p = rng.below(np);
                    let person = &self.people[p];
                    gold(&[Fact::BornIn(p)]).map(|g| {
                        (format!("Where was {} born?", person.name), g, self.places[person.born_in].name.clone())
                    })
                }
                1 => {
                    let o = rng.below(no);
                    let org = &self.organisations[o];
                    gold(&[Fact::Founded(o)])
                        .map(|g| (format!("Who founded {}?", org.name), g, self.people[org.founder].name.clone()))
                }
                2 => {
                    let o = rng.below(no);
                    let org = &self.organisations[o];
                    gold(&[Fact::Headquarters(o)]).map(|g| {
                        (format!("Where is {} headquartered?", org.name), g, self.places[org.headquarters].name.clone())
                    })
                }
                3 => {
                    let w = rng.below(nw);
                    let work = &self.works[w];
                    gold(&[Fact::Wrote(w)])
                        .map(|g| (format!("Who wrote {}?", work.name), g, self.people[work.author].name.clone()))
                }
                _ => {
                    let p = rng.below(np);
                    let person = &self.people[p];
                    gold(&[Fact::WorksFor(p)]).map(|g| {
                        (
                            format!("Which organisation does {} work for?", person.name),
                            g,
                            self.organisations[person.works_for].name.clone(),
                        )
                    })
                }
            };
            if let Some((text, gold, answer)) = q {
                out.push(Question { kind: QuestionKind::SingleHop, text, gold, answer });
            }
        }
        let mut two_hop = 0;
        while two_hop < 40 * scale && attempts < 200_000 {
            attempts += 1;
            let q = match rng.below(4) {
                0 => {
                    let o = rng.below(no);
                    let org = &self.organisations[o];
                    let founder = &self.people[org.founder];
                    gold(&[Fact::Founded(o), Fact::BornIn(org.founder)]).map(|g| {
                        (
                            format!("Where was the founder of {} born?", org.name),
                            g,
                            self.places[founder.born_in].name.clone(),
                        )
                    })
                }
                1 => {
                    let p = rng.below(np);
                    let person = &self.people[p];
                    let org = &self.organisations[person.works_for];
                    gold(&[Fact::WorksFor(p), Fact::Headquarters(person.works_for)]).map(|g| {
                        (
                            format!("Where is the organisation that employs {} headquartered?", person.name),
                            g,
                            self.places[org.headquarters].name.clone(),
                        )
                    })
                }
                2 => {
                    let w = rng.below(nw);
                    let work = &self.works[w];
                    let author = &self.people[work.author];
                    gold(&[Fact::Wrote(w), Fact::BornIn(work.author)]).map(|g| {
                        (
                            format!("Where was the author of {} born?", work.name),
                            g,
                            self.places[author.born_in].name.clone(),
                        )
                    })
                }
                _ => {
                    let p = rng.below(np);
                    let person = &self.people[p];
                    let org = &self.organisations[person.works_for];
                    // Not a two-hop question when the person founded their own employer.
                    if org.founder == p {
                        None
                    } else {
                        gold(&[Fact::WorksFor(p), Fact::Founded(person.works_for)]).map(|g| {
                            (
                                format!("Who founded the organisation that {} works for?", person.name),
                                g,
                                self.people[org.founder].name.clone(),
                            )
                        })
                    }
                }
            };
            if let Some((text, gold, answer)) = q {
                out.push(Question { kind: QuestionKind::TwoHop, text, gold, answer });
                two_hop += 1;
            }
        }
        let mut comparison = 0;
        while comparison < 20 * scale && attempts < 300_000 {
            attempts += 1;
            let q = if rng.chance(0.5) {
                let (a, b) = (rng.below(np), rng.below(np));
                let (pa, pb) = (&self.people[a], &self.people[b]);
                if a == b || pa.born_year == pb.born_year {
                    None
                } else {
                    let earlier = if pa.born_year < pb.born_year { &pa.name } else { &pb.name };
                    gold(&[Fact::BornIn(a), Fact::BornIn(b)])
                        .map(|g| (format!("Who was born earlier, {} or {}?", pa.name, pb.name), g, earlier.clone()))
                }
            } else {
                let (a, b) = (rng.below(no), rng.below(no));
                let (oa, ob) = (&self.organisations[a], &self.organisations[b]);
                if a == b || oa.founded_year == ob.founded_year {
                    None
                } else {
                    let first = if oa.founded_year < ob.founded_year { &oa.name } else { &ob.name };
                    gold(&[Fact::Founded(a), Fact::Founded(b)])
                        .map(|g| (format!("Which was founded first, {} or {}?", oa.name, ob.name), g, first.clone()))
                }
            };
            if let Some((text, gold, answer)) = q {
                out.push(Question { kind: QuestionKind::Comparison, text, gold, answer });
                comparison += 1;
            }
        }
        out
    }
}
