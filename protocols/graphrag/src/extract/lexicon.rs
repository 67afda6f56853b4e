//! The grammar words of the rule-based extractor: titles, abbreviations, connectors inside
//! names, sentence openers, and the head words and suffixes that type a name. Every list is
//! lower case; lookups go through sets built once per process.

use std::collections::HashSet;

macro_rules! word_set {
    ($name:ident, $words:expr) => {
        fn $name() -> &'static std::collections::HashSet<&'static str> {
            static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
            SET.get_or_init(|| $words.split('|').collect())
        }
    };
}

pub(crate) use word_set;

fn contains(set: &HashSet<&'static str>, word: &str) -> bool {
    if word.bytes().any(|b| b.is_ascii_uppercase()) {
        set.contains(word.to_lowercase().as_str())
    } else {
        set.contains(word)
    }
}

const TITLE_ABBREVIATIONS: &str =
    "dr|mr|mrs|ms|mx|prof|st|gen|col|capt|cpt|lt|sgt|rev|hon|sen|rep|gov|mt|ft|fr|sr|jr|maj|adm|cmdr|pres|\
    supt|insp|det";
const ABBREVIATIONS: &str =
    "inc|ltd|corp|co|plc|llc|bros|vs|etc|e.g|i.e|u.s|u.k|u.n|e.u|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|\
    nov|dec|approx|dept|est|univ|assn|ave|blvd|rd|cf|al|ca|c";
const TITLES: &str =
    "dr|mr|mrs|ms|miss|mx|prof|professor|president|sir|dame|lady|lord|king|queen|prince|princess|general|gen|\
    colonel|col|captain|capt|lieutenant|lt|sergeant|sgt|senator|sen|governor|gov|judge|justice|bishop|\
    archbishop|pope|rev|reverend|father|chancellor|minister|mayor|chairman|chairwoman|dean|doctor|emperor|\
    empress|duke|duchess|count|countess|baron|baroness|rabbi|imam|sheikh|admiral|commander|major|detective|\
    inspector|officer|congressman|congresswoman|ambassador|secretary|director|chief|pastor|brother|sister|\
    uncle|aunt";
/// Lower-case words allowed inside a name when a capitalised word follows.
const PARTICLES: &str = "de|van|von|der|den|du|da|di|del|della|la|le|bin|ibn|al|el|ter|dos|das|zu|y";
/// Words after which "of" (and "for", "on") continue a name: "University of Lyon".
const OF_HEADS: &str =
    "university|institute|bank|museum|college|school|academy|department|ministry|republic|kingdom|empire|\
    duke|duchess|earl|king|queen|prince|princess|emperor|church|cathedral|society|council|league|federation|\
    association|bureau|office|order|battle|siege|treaty|war|city|state|states|province|county|isle|isles|\
    gulf|bay|sea|lake|mount|cape|strait|straits|book|gospel|lord|bishop|archbishop|mayor|governor|court|\
    hall|palace|tower|temple|house|library|centre|center|faculty|commonwealth|union|board|chamber|committee|\
    commission|conservatory|order|festival|congress|parliament|assembly|army|navy|sisters|brothers|friends|\
    people|federal|united|principality|duchy|district|isle|port|fort|gate|bridge|church|abbey|castle|valley|\
    plains|islands|peace|siege|sack|fall|treaty|age|days";
const FOR_HEADS: &str = "institute|center|centre|foundation|society|school|council|office|committee|fund";
/// Capitalised words that start a sentence without being part of a name.
const SENTENCE_OPENERS: &str =
    "the|a|an|in|on|at|of|for|from|to|by|with|without|however|this|that|these|those|it|its|he|she|they|we|\
    you|i|his|her|their|our|my|your|but|and|or|so|yet|also|then|there|here|after|before|during|when|while|\
    although|though|because|since|as|if|unless|until|once|many|some|most|all|both|each|every|no|not|none|\
    one|two|three|several|few|other|another|such|what|which|who|whom|whose|where|why|how|later|earlier|\
    today|yesterday|now|meanwhile|moreover|furthermore|nevertheless|thus|therefore|hence|instead|indeed|\
    still|even|only|just|like|unlike|among|between|around|about|over|under|above|below|into|through|\
    throughout|across|against|along|near|born|founded|located|based|known|named|called|situated|established|\
    following|according|despite|within|beyond|upon|toward|towards|is|was|were|are|be|been|did|does|do|has|\
    have|had|can|could|would|should|will|may|might|must|shall|yes|no|perhaps|finally|first|second|third|\
    next|last|again|together|originally|eventually|subsequently|initially|currently|recently|formerly|today|\
    tonight|tomorrow|often|sometimes|never|always|usually|every|any|either|neither|whether|per|via|except|\
    besides|whereas|wherever|whenever|whatever|whoever|nor|though|alternatively|similarly|likewise|\
    consequently|accordingly|notably|overall|altogether|otherwise|elsewhere|afterwards|afterward|soon|long|\
    much|more|less|very|too|quite|rather|almost|nearly|about|approximately|some";
/// Capitalised words that are not entities on their own.
const NON_ENTITIES: &str =
    "i|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mr|mrs|ms|dr|prof|god|ok|okay|tv|ceo|cto|cfo|\
    coo|phd|md|bsc|msc|ba|ma|bc|ad|bce|ce|am|pm|usd|eur|gbp|km|kg|mph|etc|vs|ii|iii|iv|vi|vii|viii|ix|xi|\
    xii|english|french|german|spanish|italian|russian|chinese|japanese|american|british|european|african|\
    asian|canadian|australian|indian|mexican|brazilian|dutch|swedish|norwegian|danish|finnish|polish|greek|\
    turkish|irish|scottish|welsh|portuguese|korean|arab|arabic|latin|swiss|austrian|belgian|hungarian|czech|\
    roman|christian|muslim|jewish|catholic|protestant|western|eastern|northern|southern|north|south|east|\
    west|internet|web|email|january|february|march|april|may|june|july|august|september|october|november|\
    december|spring|summer|autumn|winter|chapter|section|figure|table|page|part|volume|act|scene|mom|dad|\
    sir|madam";
/// Last words that make a name an organisation.
const ORG_SUFFIXES: &str =
    "inc|corp|corporation|ltd|llc|plc|gmbh|ag|sa|nv|bv|co|company|companies|university|institute|college|\
    school|academy|bank|group|laboratories|laboratory|labs|lab|foundation|agency|society|association|\
    council|committee|commission|ministry|department|museum|library|hospital|clinic|church|party|club|press|\
    records|studios|studio|pictures|films|airlines|airways|motors|systems|technologies|technology|\
    industries|holdings|partners|enterprises|network|networks|media|publishing|publishers|bureau|\
    organization|organisation|union|league|federation|trust|fund|court|army|navy|police|times|post|journal|\
    gazette|herald|tribune|guild|works|mills|consortium|collective|observatory|center|centre|orchestra|\
    ensemble|theatre|theater|dynamics|analytics|robotics|pharmaceuticals|pharma|therapeutics|biotech|\
    biosciences|energy|electric|electronics|software|solutions|capital|ventures|insurance|bancorp|trading|\
    shipping|railway|railways|conservatory|seminary|polytechnic|brewery|brewing|foods|chemicals|steel|\
    mining|oil|petroleum|logistics|communications|telecom|aerospace|automotive|cooperative|co-op|\
    institution|alliance|coalition|fellowship|brotherhood|initiative|service|services|authority|board|\
    office|parliament|senate|congress|assembly|cabinet|forces|corps|regiment|battalion|squadron|fleet|team|\
    fc|united|athletic|rovers|wanderers|magazine|review|quarterly|weekly|daily|news|broadcasting|television|\
    radio|entertainment|games|interactive|labs|research|sciences|engineering|instruments|devices|\
    semiconductor|semiconductors|microsystems|computing|computers|data|digital|online|international|\
    worldwide|global|consulting|associates|advisors|management|investments|securities|financial|finance|\
    credit|mutual|exchange|markets|retail|stores|supermarkets|hotels|resorts|restaurants|kitchen|bakery|\
    farms|gardens|shipyard|shipyards|factory|foundry|workshop|atelier|gallery|archive|archives";
/// Words anywhere in a name that make it an organisation: "University of Lyon".
const ORG_HEADS: &str =
    "university|institute|college|academy|bank|museum|ministry|department|society|association|council|\
    committee|commission|foundation|laboratories|school|league|federation|bureau|agency|corporation|company|\
    church|conservatory|observatory|hospital|library|parliament|order";
/// Last words that make a name a place.
const LOCATION_SUFFIXES: &str =
    "building|tower|stadium|arena|palace|castle|cathedral|abbey|monument|memorial|dam|cemetery|plaza|\
    lighthouse|pier|wharf|fortress|citadel|city|river|mountains|mountain|lake|island|islands|bay|valley|\
    county|province|region|sea|ocean|desert|forest|peninsula|street|avenue|road|square|park|bridge|harbour|\
    harbor|coast|falls|canyon|hills|heights|springs|beach|gulf|strait|canal|district|territory|prefecture|\
    village|town|township|borough|state|kingdom|republic|isles|archipelago|highlands|lowlands|plateau|plain|\
    plains|glacier|reef|lagoon|delta|basin|fjord|marsh|moor|moors|wood|woods|hill|peak|ridge|pass|creek|\
    cove|point|quarter|lane|boulevard|crossing|junction|station|airport|port|estuary|sound|channel|shire|\
    oblast|canton|emirate|commune";
/// First words that make a name a place: "Port Elmsworth", "Mount Kenya".
const LOCATION_PREFIXES: &str =
    "mount|mt|lake|port|fort|ft|cape|san|santa|são|sao|isle|glen|saint|st|new|upper|lower|greater|little|\
    great|north|south|east|west|northern|southern|eastern|western|central|gulf|bay|river|mount|point|los|\
    las|el|puerto|rio|bad|ciudad|villa";
/// Endings of one-word place names: "Elmsworth", "Pittsburgh".
const LOCATION_ENDINGS: &str =
    "ridge|bridge|ville|burg|burgh|borough|bury|chester|caster|cester|shire|mouth|worth|stadt|polis|grad|\
    hampton|stan|haven|ford|port|wick|dale|gate|field|minster|bourne|stead|combe|thorpe|ness|holm|berg|heim|\
    hausen|dorf|ingen|sund|vik|fjord|abad|pur|pura|nagar|land";
const EVENT_WORDS: &str =
    "war|wars|olympics|olympiad|festival|revolution|battle|championship|championships|cup|expo|exhibition|\
    summit|conference|games|crisis|uprising|rebellion|siege|massacre|earthquake|flood|famine|pandemic|\
    epidemic|riots|strike|election|elections|tournament|marathon|fair|carnival|congress|symposium|\
    convention|awards|ceremony|treaty|accords|accord|agreement|referendum|coup|invasion|blitz|raid|\
    offensive|campaign|crusade|exodus|renaissance|reformation|depression|recession|boom";
/// Words before a name that make it a work: "the novel X".
const WORK_CUES: &str =
    "novel|book|film|movie|album|song|single|play|poem|opera|painting|symphony|series|essay|memoir|story|\
    collection|treatise|novella|sculpture|musical|ballet|documentary|show|sonata|concerto|anthology|trilogy|\
    saga|epic|manuscript|article|paper|report|study|thesis|monograph|textbook|biography|autobiography|\
    screenplay|game|ep|record|hymn|ballad|cantata|requiem|portrait|mural|fresco|photograph";
/// Verbs after a name that make it a person: "Marlow said".
const SPEECH_VERBS: &str =
    "said|says|told|tells|argued|argues|explained|explains|noted|notes|added|adds|recalled|recalls|claimed|\
    claims|wrote|writes|stated|states|believed|believes|replied|replies|asked|asks|insisted|insists|\
    admitted|admits|announced|married|died|was born|himself|herself";
/// Words before a place: "in Lyon", "near Lyon".
const PLACE_PREPOSITIONS: &str = "in|near|across|throughout|outside|inside|around|towards";
/// Verbs whose "to X" names a place: "moved to Lyon".
const MOTION_VERBS: &str = "moved|travelled|traveled|returned|emigrated|relocated|fled|sailed|flew|went";
/// Nouns after a year that make it a quantity, not a date: "1500 people".
const QUANTITY_NOUNS: &str =
    "people|persons|km|kilometres|kilometers|metres|meters|miles|feet|ft|dollars|euros|pounds|tons|tonnes|\
    students|employees|workers|units|copies|pages|words|times|members|soldiers|troops|residents|inhabitants|\
    acres|hectares|square|kg|grams|litres|liters|years|days|hours|minutes|seconds|points|votes|cases|deaths|\
    items|books|titles|patents|papers|staff|jobs|seats|rooms|beds|cars|vehicles|ships|aircraft|m|cm|mm|%|\
    percent|per";
/// Last words of awards and honours: "Nobel Prize".
const AWARD_WORDS: &str = "prize|award|awards|medal|trophy|fellowship|scholarship|honour|honor|laureate|grant";
const CONCEPT_ENDINGS: &str = "ism|ology|ics|ity|ment|ness|sophy|graphy|nomy|ence|ance";

word_set!(title_abbreviations, TITLE_ABBREVIATIONS);
word_set!(abbreviations, ABBREVIATIONS);
word_set!(titles, TITLES);
word_set!(particles, PARTICLES);
word_set!(of_heads, OF_HEADS);
word_set!(for_heads, FOR_HEADS);
word_set!(sentence_openers, SENTENCE_OPENERS);
word_set!(non_entities, NON_ENTITIES);
word_set!(org_suffixes, ORG_SUFFIXES);
word_set!(org_heads, ORG_HEADS);
word_set!(location_suffixes, LOCATION_SUFFIXES);
word_set!(location_prefixes, LOCATION_PREFIXES);
word_set!(event_words, EVENT_WORDS);
word_set!(work_cues, WORK_CUES);
word_set!(speech_verbs, SPEECH_VERBS);
word_set!(place_prepositions, PLACE_PREPOSITIONS);
word_set!(motion_verbs, MOTION_VERBS);
word_set!(quantity_nouns, QUANTITY_NOUNS);
word_set!(award_words, AWARD_WORDS);

pub(crate) fn is_title_abbreviation(word: &str) -> bool {
    contains(title_abbreviations(), word)
}
pub(crate) fn is_abbreviation(word: &str) -> bool {
    contains(abbreviations(), word) || is_title_abbreviation(word)
}
pub(crate) fn is_title(word: &str) -> bool {
    contains(titles(), word)
}
pub(crate) fn is_particle(word: &str) -> bool {
    particles().contains(word)
}
pub(crate) fn is_of_head(word: &str) -> bool {
    contains(of_heads(), word)
}
pub(crate) fn is_for_head(word: &str) -> bool {
    contains(for_heads(), word)
}
pub(crate) fn is_sentence_opener(word: &str) -> bool {
    contains(sentence_openers(), word)
}
pub(crate) fn is_non_entity(word: &str) -> bool {
    contains(non_entities(), word)
}
pub(crate) fn is_org_suffix(word: &str) -> bool {
    contains(org_suffixes(), word)
}
pub(crate) fn is_org_head(word: &str) -> bool {
    contains(org_heads(), word)
}
pub(crate) fn is_location_suffix(word: &str) -> bool {
    contains(location_suffixes(), word)
}
pub(crate) fn is_location_prefix(word: &str) -> bool {
    contains(location_prefixes(), word)
}
pub(crate) fn has_location_ending(word: &str) -> bool {
    let lower = word.to_lowercase();
    LOCATION_ENDINGS.split('|').any(|e| lower.len() > e.len() + 2 && lower.ends_with(e))
}
pub(crate) fn has_concept_ending(word: &str) -> bool {
    let lower = word.to_lowercase();
    CONCEPT_ENDINGS.split('|').any(|e| lower.len() > e.len() + 3 && lower.ends_with(e))
}
pub(crate) fn is_event_word(word: &str) -> bool {
    contains(event_words(), word)
}
pub(crate) fn is_work_cue(word: &str) -> bool {
    contains(work_cues(), word)
}
pub(crate) fn is_speech_verb(word: &str) -> bool {
    contains(speech_verbs(), word)
}
pub(crate) fn is_place_preposition(word: &str) -> bool {
    contains(place_prepositions(), word)
}
pub(crate) fn is_motion_verb(word: &str) -> bool {
    contains(motion_verbs(), word)
}
pub(crate) fn is_award_word(word: &str) -> bool {
    contains(award_words(), word)
}
pub(crate) fn is_quantity_noun(word: &str) -> bool {
    contains(quantity_nouns(), word)
}
/// The month number of a month name or abbreviation.
pub(crate) fn month(word: &str) -> Option<u32> {
    Some(match word.to_lowercase().as_str() {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}
