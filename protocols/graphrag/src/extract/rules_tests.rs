//! Tests of [`super`] on hand-written paragraphs.

use super::*;

fn found(text: &str) -> Vec<(String, String, &'static str)> {
    extract_entities(text)
        .into_iter()
        .map(|m| {
            let ty = EntityType::parse(&m.entity_type).map(EntityType::as_str).unwrap_or("?");
            (m.name, m.key, ty)
        })
        .collect()
}

fn has(list: &[(String, String, &str)], name: &str, ty: &str) -> bool {
    list.iter().any(|(n, _, t)| n == name && *t == ty)
}

#[test]
fn people_organisations_places_and_dates() {
    let text = "Dr. Alice Marlow founded Northwind Laboratories in Port Elmsworth in 1962. \
                The company later moved to Lyon, France. Marlow studied at the University of Lyon.";
    let list = found(text);
    assert!(has(&list, "Alice Marlow", "PERSON"), "{list:?}");
    assert!(has(&list, "Northwind Laboratories", "ORGANIZATION"), "{list:?}");
    assert!(has(&list, "Port Elmsworth", "LOCATION"), "{list:?}");
    assert!(has(&list, "1962", "DATE"), "{list:?}");
    assert!(has(&list, "Lyon", "LOCATION"), "{list:?}");
    assert!(has(&list, "France", "LOCATION"), "{list:?}");
    assert!(has(&list, "University of Lyon", "ORGANIZATION"), "{list:?}");
    assert!(!list.iter().any(|(n, _, _)| n == "The" || n == "Dr" || n.starts_with("Dr")), "{list:?}");
    let marlow = list.iter().find(|(n, _, _)| n == "Marlow").expect("bare surname");
    assert_eq!(marlow.1, "alice marlow");
    assert_eq!(marlow.2, "PERSON");
}

#[test]
fn spans_are_byte_offsets_of_the_name() {
    let text = "In 1901, Professor Marie Curie\u{2019}s lab in Zürich grew.";
    let mentions = extract_entities(text);
    for m in &mentions {
        assert_eq!(&text[m.start..m.end], m.name);
    }
    let curie = mentions.iter().find(|m| m.key == "marie curie").expect("Marie Curie");
    assert_eq!(curie.name, "Marie Curie");
    assert_eq!(curie.entity_type, "PERSON");
    let zurich = mentions.iter().find(|m| m.name == "Zürich").expect("Zürich");
    assert_eq!(zurich.key, "zurich");
    assert_eq!(zurich.entity_type, "LOCATION");
    assert!(mentions.iter().any(|m| m.key == "1901" && m.entity_type == "DATE"));
    assert!(!mentions.iter().any(|m| m.name == "In" || m.name.contains("Professor")));
}

#[test]
fn full_dates_and_quantities() {
    let list = found(
        "She was born on 12 March 1962 and died on June 3, 2001. About 1500 people came in May 1990 or 1995-04-02.",
    );
    let dates: Vec<&str> = list.iter().filter(|(_, _, t)| *t == "DATE").map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(dates, vec!["1962-03-12", "2001-06-03", "1990-05", "1995-04-02"]);
}

#[test]
fn acronyms_titles_and_connectors() {
    let list = found(
        "NASA and IBM signed a deal with President Abraham Lincoln. Ludwig van Beethoven met the Bank of England \
         and Johnson & Johnson in New York City.",
    );
    assert!(has(&list, "NASA", "ORGANIZATION"), "{list:?}");
    assert!(has(&list, "IBM", "ORGANIZATION"), "{list:?}");
    assert!(has(&list, "Abraham Lincoln", "PERSON"), "{list:?}");
    assert!(has(&list, "Ludwig van Beethoven", "PERSON"), "{list:?}");
    assert!(has(&list, "Bank of England", "ORGANIZATION"), "{list:?}");
    assert!(list.iter().any(|(n, _, _)| n == "Johnson & Johnson"), "{list:?}");
    assert!(has(&list, "New York City", "LOCATION"), "{list:?}");
}

#[test]
fn works_events_and_sentence_openers() {
    let list = found(
        "However, Alice Marlow wrote The Silent Orchard in 1970. The Silent Orchard was praised. \
         Her novel Winter Harbour Lights followed, and \"A Map of Quiet Rivers\" came after the Great War. \
         Meanwhile the Elmsworth Festival grew.",
    );
    assert!(has(&list, "The Silent Orchard", "WORK"), "{list:?}");
    assert!(list.iter().filter(|(_, k, _)| k == "silent orchard").count() == 2, "{list:?}");
    assert!(has(&list, "Winter Harbour Lights", "WORK"), "{list:?}");
    assert!(has(&list, "A Map of Quiet Rivers", "WORK"), "{list:?}");
    assert!(has(&list, "Great War", "EVENT"), "{list:?}");
    assert!(has(&list, "Elmsworth Festival", "EVENT"), "{list:?}");
    assert!(!list.iter().any(|(n, _, _)| n == "However" || n == "Meanwhile" || n == "Her"), "{list:?}");
}

#[test]
fn organisation_short_forms_and_context_typing() {
    let list = found(
        "Northwind Laboratories hired engineers. Later, Northwind opened an office in Brackenridge. \
         Quill said the move was wise.",
    );
    let short = list.iter().find(|(n, _, _)| n == "Northwind").expect("short form");
    assert_eq!(short.1, "northwind laboratories");
    assert!(has(&list, "Brackenridge", "LOCATION"), "{list:?}");
    assert!(has(&list, "Quill", "PERSON"), "{list:?}");
}

#[test]
fn nothing_in_text_without_names() {
    assert!(extract_entities("").is_empty());
    assert!(extract_entities("the quick brown fox jumps over the lazy dog.").is_empty());
    assert!(extract_entities("I think. However! The end.").is_empty());
    assert!(extract_entities("\"\" , ' ( ) \u{201C}").is_empty());
}

#[test]
fn type_names_parse_with_synonyms() {
    for ty in EntityType::ALL {
        assert_eq!(EntityType::parse(ty.as_str()), Some(ty));
    }
    assert_eq!(EntityType::parse("org"), Some(EntityType::Organization));
    assert_eq!(EntityType::parse("GPE"), Some(EntityType::Location));
    assert_eq!(EntityType::parse("work of art"), Some(EntityType::Work));
    assert_eq!(EntityType::parse("spaceship"), None);
}

#[test]
fn passages_in_the_synthetic_world_style() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "The Silent Harbor is a novel by Zora Hestinley, published in 1931. Little else is recorded about the early years.",
            &[("The Silent Harbor", "WORK"), ("Zora Hestinley", "PERSON")],
        ),
        (
            "The headquarters of Cobaltgate Works are in Stanholm. Visitors sometimes ask about Cobaltgate Works at the tourist office.",
            &[("Cobaltgate Works", "ORGANIZATION"), ("Stanholm", "LOCATION")],
        ),
        (
            "In 1904, Isidor Pendale was born in the town of Fort Wexhaven. Historians have written about this at some length.",
            &[("Isidor Pendale", "PERSON"), ("Fort Wexhaven", "LOCATION")],
        ),
        ("Elmsworth, a town in Brenmark, lies near the coast.", &[("Elmsworth", "LOCATION"), ("Brenmark", "LOCATION")]),
        (
            "Kingsmouth is the birthplace of Quinn Ashby, who was born there in 1888. The story is often told in the region.",
            &[("Kingsmouth", "LOCATION"), ("Quinn Ashby", "PERSON")],
        ),
        (
            "Freya Dalcroft is the author of The Forgotten Compass of Letters, which appeared in 1977.",
            &[("Freya Dalcroft", "PERSON"), ("The Forgotten Compass of Letters", "WORK")],
        ),
    ];
    for (text, expected) in cases {
        let got: Vec<(String, String)> = super::super::relations::extract(text)
            .entities
            .into_iter()
            .filter(|e| e.entity_type != "DATE")
            .map(|e| (e.name, e.entity_type))
            .collect();
        let want: Vec<(String, String)> = expected.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn arbitrary_text_never_panics_and_spans_stay_inside() {
    let pieces = [
        "Dr.",
        "The",
        "of",
        "\"",
        "\u{201C}",
        "\u{201D}",
        "'s",
        "\u{2019}s",
        ",",
        ".",
        "!",
        "?",
        "(",
        ")",
        "1962",
        "12",
        "March",
        "May",
        "NASA",
        "Zürich",
        "中国",
        "Ωmega",
        "é10s",
        "1990s",
        "1995-04-02",
        "&",
        "van",
        "Alice",
        "Marlow",
        "University",
        "\n\n",
        " ",
        "-",
        "co-founded",
        "founded",
        "by",
        "in",
        "U.S.",
        "Inc.",
        "ǅemal",
        "İstanbul",
        "ß",
        "\u{0301}",
        "x",
        "A",
        "I",
        "\t",
        "\u{200B}",
        "0",
        "999999999999999999999",
        "a.b.c.",
        "'",
        "''",
        "...",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..400 {
        let mut text = String::new();
        let len = (state % 40) as usize;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            if state % 3 == 0 {
                text.push(' ');
            }
        }
        for m in extract_entities(&text) {
            assert!(m.start <= m.end && m.end <= text.len(), "{text:?}");
            assert!(text.get(m.start..m.end).is_some(), "{text:?}");
            assert!(!m.key.is_empty(), "{text:?}");
        }
        let e = super::super::relations::extract(&text);
        assert!(e.relations.iter().all(|r| r.source != r.target), "{text:?}");
    }
}

#[test]
fn questions_name_only_their_entities() {
    let list = found("Who founded the organisation that Greta Hestamore works for? Where is WHO headquartered?");
    let names: Vec<&str> = list.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, vec!["Greta Hestamore", "WHO"]);
    assert!(has(&list, "WHO", "ORGANIZATION"), "{list:?}");
}
