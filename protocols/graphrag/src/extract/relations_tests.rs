//! Tests of [`super`]: typed patterns, co-occurrence, PMI.

use super::*;
use crate::extract::extract_entities;

fn typed_relations(text: &str) -> Vec<(String, String, String)> {
    analyse(text).relations.into_iter().map(|r| (r.source, r.relation_type, r.target)).collect()
}

fn has(list: &[(String, String, String)], source: &str, relation: &str, target: &str) -> bool {
    list.iter().any(|(s, r, t)| s == source && r == relation && t == target)
}

#[test]
fn founding_birth_and_work_patterns() {
    let list = typed_relations(
        "Alice Marlow founded Northwind Laboratories in 1962. Meridian Press was founded by Tomas Reyes. \
         Alice Marlow was born in Port Elmsworth. Tomas Reyes works for Northwind Laboratories. \
         Ivy Chen joined Meridian Press.",
    );
    assert!(has(&list, "alice marlow", "FOUNDED", "northwind laboratories"), "{list:?}");
    assert!(has(&list, "tomas reyes", "FOUNDED", "meridian press"), "{list:?}");
    assert!(has(&list, "alice marlow", "BORN_IN", "port elmsworth"), "{list:?}");
    assert!(has(&list, "tomas reyes", "WORKS_FOR", "northwind laboratories"), "{list:?}");
    assert!(has(&list, "ivy chen", "WORKS_FOR", "meridian press"), "{list:?}");
}

#[test]
fn places_works_marriage_and_study() {
    let list = typed_relations(
        "Port Elmsworth is located in Valdoria. Brackenridge, a coastal city in Valdoria, grew. \
         Alice Marlow wrote The Silent Orchard. The Glass Tide by Tomas Reyes sold well. \
         Alice Marlow married Tomas Reyes. Ivy Chen studied at the University of Lyon. \
         Paris is the capital of France. Ivy Chen directed Silent Rain. Northwind Laboratories acquired Quill Systems. \
         Quill Systems is headquartered in Brackenridge.",
    );
    assert!(has(&list, "port elmsworth", "LOCATED_IN", "valdoria"), "{list:?}");
    assert!(has(&list, "brackenridge", "LOCATED_IN", "valdoria"), "{list:?}");
    assert!(has(&list, "alice marlow", "AUTHORED", "silent orchard"), "{list:?}");
    assert!(has(&list, "tomas reyes", "AUTHORED", "glass tide"), "{list:?}");
    assert!(has(&list, "alice marlow", "SPOUSE_OF", "tomas reyes"), "{list:?}");
    assert!(has(&list, "ivy chen", "STUDIED_AT", "university of lyon"), "{list:?}");
    assert!(has(&list, "paris", "CAPITAL_OF", "france"), "{list:?}");
    assert!(has(&list, "ivy chen", "DIRECTED", "silent rain"), "{list:?}");
    assert!(has(&list, "northwind laboratories", "ACQUIRED", "quill systems"), "{list:?}");
    assert!(has(&list, "quill systems", "HEADQUARTERED_IN", "brackenridge"), "{list:?}");
}

#[test]
fn asides_and_time_phrases_between_entities() {
    let list = typed_relations(
        "Alice Marlow, who was born in Port Elmsworth, founded Northwind Laboratories. \
         Quill Systems was founded in 1980 by Ivy Chen. Tomas Reyes, a chemist, joined Quill Systems.",
    );
    assert!(has(&list, "alice marlow", "BORN_IN", "port elmsworth"), "{list:?}");
    assert!(has(&list, "alice marlow", "FOUNDED", "northwind laboratories"), "{list:?}");
    assert!(!list.iter().any(|(s, r, _)| s == "port elmsworth" && r == "FOUNDED"), "{list:?}");
    assert!(has(&list, "ivy chen", "FOUNDED", "quill systems"), "{list:?}");
    assert!(has(&list, "quill systems", "FOUNDED_ON", "1980"), "{list:?}");
    assert!(has(&list, "tomas reyes", "WORKS_FOR", "quill systems"), "{list:?}");
}

#[test]
fn patterns_need_one_sentence_and_fitting_types() {
    let list = typed_relations("Alice Marlow arrived. Northwind Laboratories founded nothing. Paris founded Lyon.");
    assert!(list.is_empty(), "{list:?}");
}

#[test]
fn hints_type_unknown_ends() {
    let analysis = analyse("Zorblax was born in Quendor.");
    let types: Vec<(&str, &str)> = analysis.mentions.iter().map(|m| (m.key.as_str(), m.entity_type.as_str())).collect();
    assert_eq!(types, vec![("zorblax", "PERSON"), ("quendor", "LOCATION")]);
}

#[test]
fn extraction_merges_entities_and_pairs_them() {
    let e =
        extract("Alice Marlow founded Northwind Laboratories in 1962. Marlow later left Northwind. Brackenridge grew.");
    let keys: Vec<(&str, &str, u32)> =
        e.entities.iter().map(|x| (x.key.as_str(), x.name.as_str(), x.mentions)).collect();
    assert_eq!(
        keys,
        vec![
            ("alice marlow", "Alice Marlow", 2),
            ("northwind laboratories", "Northwind Laboratories", 2),
            ("1962", "1962", 1),
            ("brackenridge", "Brackenridge", 1),
        ]
    );
    let pairs: Vec<(&str, &str, f64)> = e
        .relations
        .iter()
        .filter(|r| r.relation_type == CO_OCCURS)
        .map(|r| (r.source.as_str(), r.target.as_str(), r.confidence))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("alice marlow", "northwind laboratories", 1.0),
            ("alice marlow", "brackenridge", 0.5),
            ("brackenridge", "northwind laboratories", 0.5),
        ]
    );
    assert!(e.relations.iter().any(|r| r.relation_type == "FOUNDED"));
    assert_eq!(
        e,
        extract("Alice Marlow founded Northwind Laboratories in 1962. Marlow later left Northwind. Brackenridge grew.")
    );
}

#[test]
fn entities_of_mentions_names_by_full_forms() {
    let mentions = extract_entities("Alice Marlow met Bob. Marlow left. Marlow returned.");
    let entities = entities_of_mentions(&mentions);
    assert_eq!(entities[0].key, "alice marlow");
    assert_eq!(entities[0].name, "Alice Marlow");
    assert_eq!(entities[0].mentions, 3);
}

#[test]
fn normalised_pmi() {
    assert_eq!(pmi(10, 10, 10, 10), 1.0);
    assert_eq!(pmi(0, 5, 5, 100), -1.0);
    assert_eq!(pmi(3, 0, 5, 100), -1.0);
    // Independent: p(a,b) = p(a) p(b).
    assert!(pmi(25, 50, 50, 100).abs() < 1e-12);
    // Always together, rarely seen: close to 1.
    assert!(pmi(5, 5, 5, 1000) > 0.99);
    // Together less often than chance: negative.
    assert!(pmi(1, 50, 50, 100) < 0.0);
    // ln(0.05 / (0.1 * 0.2)) / -ln(0.05)
    let expected = (0.05f64 / 0.02).ln() / -(0.05f64).ln();
    assert!((pmi(5, 10, 20, 100) - expected).abs() < 1e-12);
    assert!((-1.0..=1.0).contains(&pmi(u64::MAX, 1, u64::MAX, 2)));
}

#[test]
fn context_before_and_after_the_pair() {
    let list = typed_relations(
        "The headquarters of Cobaltgate Works are in Stanholm. Born in 1901, Karin Fenaley grew up in Yarwick, \
         the town of her birth. Pavel Osby grew up in Millholm. Quinn Ashby is the author of The Hollow Archive. \
         The Burning Tower is a novel by Quinn Ashby, published in 1950.",
    );
    assert!(has(&list, "cobaltgate works", "HEADQUARTERED_IN", "stanholm"), "{list:?}");
    assert!(has(&list, "karin fenaley", "BORN_IN", "yarwick"), "{list:?}");
    assert!(has(&list, "pavel osby", "LIVES_IN", "millholm"), "{list:?}");
    assert!(has(&list, "quinn ashby", "AUTHORED", "hollow archive"), "{list:?}");
    assert!(has(&list, "quinn ashby", "AUTHORED", "burning tower"), "{list:?}");
    assert!(!list.iter().any(|(_, r, _)| r == "WORKS_FOR"), "{list:?}");
    let e = extract("The Burning Tower is a novel by Quinn Ashby.");
    let tower = e.entities.iter().find(|x| x.key == "burning tower").expect("work");
    assert_eq!((tower.name.as_str(), tower.entity_type.as_str()), ("The Burning Tower", "WORK"));
}

#[test]
fn lists_and_weak_patterns_state_little() {
    let list =
        typed_relations("Tourists from China, Japan and Peru came. Lyon, France is old. Acme Corp opened in Kenya.");
    assert!(!has(&list, "china", "LOCATED_IN", "japan"), "{list:?}");
    assert!(has(&list, "lyon", "LOCATED_IN", "france"), "{list:?}");
    let analysis = analyse("The Zentrax Building opened in Ohio.");
    let building = analysis.mentions.iter().find(|m| m.key == "zentrax building").expect("building");
    assert_eq!(building.entity_type, "LOCATION");
    let e = extract("George Orwell wrote Animal Farm. Marie Curie won the Nobel Prize.");
    let types: Vec<(&str, &str)> = e.entities.iter().map(|x| (x.key.as_str(), x.entity_type.as_str())).collect();
    assert_eq!(
        types,
        vec![("george orwell", "PERSON"), ("animal farm", "WORK"), ("marie curie", "PERSON"), ("nobel prize", "OTHER")]
    );
}
