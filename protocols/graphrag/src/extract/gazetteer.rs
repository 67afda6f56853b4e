//! Names the rule-based extractor knows: common first names (PERSON evidence), countries,
//! cities and natural features (LOCATION), and well-known organisations and acronyms.
//! Lower case, folded; a name's key is looked up whole.

use super::lexicon::word_set;

const FIRST_NAMES: &str =
    "bruno|karin|pavel|quinn|stefan|ulrich|xenia|zora|amara|bastian|celine|dorian|florian|gemma|henrik|livia|\
    oskar|petra|rafael|wilma|cyril|delphine|freya|hanna|isidor|konrad|lotte|mila|aldo|alina|andre|andreas|\
    anja|annika|arne|axel|bettina|birgit|björn|bjorn|carla|carsten|cesar|clemens|cornelia|dagmar|dieter|\
    dirk|doris|elias|elisa|elke|emilia|erik|erika|esther|fabio|fiona|franziska|frida|gerhard|gisela|gunnar|\
    hans|heike|helga|ines|ivo|jakob|jan|janina|jens|joachim|johan|johanna|jorge|josef|jurgen|kai|katarina|\
    katja|kurt|lara|lea|lina|linus|lukas|manuel|marco|marek|mario|marius|markus|mathilde|matteo|milan|mirko|\
    monika|nico|niklas|nora|ole|paula|per|pia|rainer|ralf|renate|rolf|sabine|sandro|silke|simone|stina|sven|\
    tanja|thea|til|tilde|timo|tomas|tomasz|ulla|ute|valentin|valeria|vanessa|wanda|werner|wolfgang|yara|\
    yvonne|zofia|abby|adele|alec|alfie|allan|alvin|andy|angus|archie|arnold|barry|bella|benny|bernadette|\
    brenda|bridget|carmen|cassandra|cecil|chad|charlie|cheryl|chris|cindy|clifford|clint|craig|curtis|\
    cynthia|dale|dana|darren|dean|derek|diego|dolores|duncan|dustin|dylan|earl|eddie|edwina|eileen|elaine|\
    eleanora|elliot|elsie|emmanuel|erin|ernesto|eva|faye|fernando|floyd|fred|gail|gary|gavin|gene|geoffrey|\
    gina|glen|glenn|gloria|gordon|hal|heather|holly|ivan|jake|jamie|janice|jared|jeff|jeffrey|jenny|jeremy|\
    jerry|jesse|jill|jim|jimmy|jo|joanna|joe|joel|joey|jordan|joy|joyce|juan|julius|karl|kate|katie|keith|\
    kelly|kim|kirk|kyle|lance|larry|lee|leslie|lewis|lloyd|logan|lorraine|luke|lynn|mabel|madeline|marcia|\
    marilyn|marjorie|marshall|mason|maureen|mia|mike|mitchell|monica|neil|nick|norman|olive|owen|pam|pamela|\
    paige|peggy|perry|phil|phyllis|rex|rhonda|ricardo|rick|rita|robin|rodney|ross|roy|russell|sally|sam|\
    sean|seth|shane|sharon|sheila|shirley|stuart|sue|tara|ted|terry|tina|todd|tony|tracy|travis|troy|\
    valerie|vernon|vicky|wade|wayne|willis|wyatt|yolanda|zachary|aaron|abigail|adam|adrian|agnes|alan|\
    albert|alexander|alexandra|alfred|alice|alicia|alison|amanda|amelia|amy|andrea|andrew|angela|anna|anne|\
    annie|anthony|antonio|arthur|audrey|barbara|beatrice|ben|benjamin|bernard|beth|betty|bill|bob|brandon|\
    brian|bruce|camille|carl|carlos|carol|caroline|catherine|cecilia|charles|charlotte|chloe|christian|\
    christina|christine|christopher|claire|clara|claude|colin|connor|daniel|david|deborah|dennis|diana|\
    diane|dmitri|donald|dorothy|douglas|edith|edward|eleanor|elena|elijah|elizabeth|ella|ellen|emily|emma|\
    eric|ethan|eva|evelyn|felix|fiona|frances|francis|frank|frederick|gabriel|gabriela|george|georgia|\
    gerald|grace|gregory|hannah|harold|harriet|harry|helen|henry|hugo|ian|irene|isaac|isabel|isabella|ivan|\
    jack|jacob|james|jane|janet|jason|jean|jennifer|jessica|joan|john|jonathan|joseph|joshua|judith|julia|\
    julian|julie|justin|karen|katherine|kathleen|kenneth|kevin|laura|lauren|lawrence|leo|leon|leonard|lily|\
    linda|lisa|louis|louise|lucas|lucy|luis|lydia|margaret|maria|marie|mark|martha|martin|mary|matthew|maya|\
    megan|melissa|michael|michelle|miguel|nancy|natalie|nathan|nicholas|nicole|nina|noah|nora|oliver|olivia|\
    oscar|patricia|patrick|paul|peter|philip|rachel|ralph|raymond|rebecca|richard|robert|roger|ronald|rosa|\
    rose|ruth|ryan|samuel|sandra|sara|sarah|scott|sebastian|simon|sofia|sophia|sophie|stephen|steven|susan|\
    thomas|timothy|tom|victor|victoria|vincent|walter|william|zoe|ada|agatha|alma|amos|anders|ansel|astrid|\
    august|aurora|basil|bianca|boris|calvin|carmen|cedric|celia|clarence|cora|cornelius|cyrus|dante|daphne|\
    delia|dora|edgar|edmund|elias|eliza|elsa|emil|enzo|ernest|esther|eugene|ezra|flora|florence|franz|\
    gideon|gilbert|greta|gustav|hazel|hector|heidi|herbert|hilda|howard|ida|ingrid|iris|isaiah|ivy|jasper|\
    jonas|josephine|jude|june|karl|klaus|lars|leah|lena|leona|lionel|lorenzo|luca|lucia|magnus|malcolm|\
    marcus|margot|marion|marta|mateo|maurice|max|maxine|milo|miriam|molly|morris|naomi|nelson|nils|odette|\
    olga|otto|pablo|pauline|penelope|percy|phoebe|pierre|priya|quentin|ravi|regina|rita|roland|rosalind|\
    rupert|sabrina|silas|stella|sven|sylvia|tessa|theo|theodore|tobias|ursula|vera|viktor|vivian|wendy|\
    wilhelm|winifred|yusuf|zara|ahmed|ali|amir|ana|chen|fatima|hiroshi|jin|kenji|li|mei|mohammed|muhammad|\
    omar|raj|sanjay|wei|yuki|akira|anika|arjun|aisha|hana|kofi|lin|ming|nadia|noor|sakura|tariq|yan|yara|\
    albrecht|alessandro|amadeus|ambrose|anton|benedict|bertrand|caspar|clement|conrad|desmond|dominic|edwin|\
    emmett|everett|fabian|ferdinand|gareth|graham|harvey|horace|ignatius|jerome|leopold|lucian|marcel|nigel|\
    octavia|orson|oswald|rowan|rufus|stanley|tristan|warren|wesley|beatrix|cordelia|eloise|genevieve|imogen|\
    juliet|lavinia|matilda|ophelia|rosamund|serena|violet|marjorie|mildred|gertrude|thelma|edna|ethel|\
    bertha|mabel|lillian|vivienne";
const COUNTRIES: &str =
    "afghanistan|albania|algeria|argentina|armenia|australia|austria|azerbaijan|bahamas|bangladesh|belarus|\
    belgium|bolivia|bosnia|brazil|bulgaria|cambodia|cameroon|canada|chile|china|colombia|congo|costa rica|\
    croatia|cuba|cyprus|czechia|czech republic|denmark|ecuador|egypt|england|estonia|ethiopia|fiji|finland|\
    france|georgia|germany|ghana|greece|guatemala|haiti|honduras|hungary|iceland|india|indonesia|iran|iraq|\
    ireland|israel|italy|jamaica|japan|jordan|kazakhstan|kenya|korea|south korea|north korea|kuwait|laos|\
    latvia|lebanon|libya|lithuania|luxembourg|madagascar|malaysia|mali|malta|mexico|moldova|monaco|mongolia|\
    montenegro|morocco|mozambique|myanmar|namibia|nepal|netherlands|new zealand|nicaragua|niger|nigeria|\
    norway|oman|pakistan|panama|paraguay|peru|philippines|poland|portugal|qatar|romania|russia|rwanda|\
    saudi arabia|scotland|senegal|serbia|singapore|slovakia|slovenia|somalia|south africa|spain|sri lanka|\
    sudan|sweden|switzerland|syria|taiwan|tanzania|thailand|tunisia|turkey|uganda|ukraine|united kingdom|\
    united states|united states of america|uruguay|uzbekistan|venezuela|vietnam|wales|yemen|zambia|zimbabwe|\
    usa|uk|us|uae|ussr|soviet union|great britain|britain|america|europe|asia|africa|antarctica|oceania|\
    north america|south america|latin america|middle east|scandinavia|siberia|arctic|holland|prussia|\
    bavaria|catalonia|tibet|greenland|puerto rico|hong kong|macau";
const PLACES: &str =
    "amsterdam|athens|atlanta|auckland|baghdad|baltimore|bangkok|barcelona|beijing|beirut|belfast|belgrade|\
    berlin|bern|bologna|bombay|bordeaux|boston|brisbane|bristol|brussels|bucharest|budapest|buenos aires|\
    cairo|calcutta|cambridge|canberra|cape town|caracas|chicago|copenhagen|dallas|damascus|delhi|new delhi|\
    denver|detroit|dresden|dubai|dublin|edinburgh|florence|frankfurt|geneva|genoa|glasgow|hamburg|havana|\
    helsinki|houston|istanbul|jakarta|jerusalem|johannesburg|kabul|karachi|kyiv|kiev|kyoto|lagos|lima|\
    lisbon|liverpool|london|los angeles|lyon|madrid|manchester|manila|marseille|melbourne|mexico city|miami|\
    milan|montreal|moscow|mumbai|munich|nairobi|naples|new orleans|new york|new york city|nice|osaka|oslo|\
    ottawa|oxford|palermo|paris|philadelphia|phoenix|prague|quebec|reykjavik|riga|rio de janeiro|rome|\
    rotterdam|san francisco|santiago|sao paulo|são paulo|seattle|seoul|shanghai|stockholm|strasbourg|sydney|\
    tallinn|tehran|tokyo|toronto|toulouse|turin|vancouver|venice|vienna|vilnius|warsaw|washington|\
    wellington|zurich|krakow|kraków|salzburg|seville|valencia|porto|antwerp|ghent|leipzig|cologne|stuttgart|\
    heidelberg|gothenburg|bergen|marrakesh|casablanca|alexandria|mecca|medina|kolkata|chennai|bangalore|\
    hanoi|singapore|taipei|nanjing|hollywood|manhattan|brooklyn|texas|california|florida|ohio|virginia|\
    massachusetts|new jersey|pennsylvania|illinois|michigan|oregon|alaska|hawaii|normandy|provence|tuscany|\
    sicily|sardinia|corsica|crete|cornwall|yorkshire|kent|ontario|alberta|bengal|punjab|kashmir|amazon|nile|\
    thames|danube|rhine|seine|mississippi|ganges|yangtze|volga|loire|tiber|everest|alps|andes|himalayas|\
    rockies|pyrenees|sahara|atlantic|pacific|mediterranean|baltic|caribbean|balkans|caucasus|kilimanjaro|\
    vesuvius|etna|olympus|sinai";
const ORGANISATIONS: &str =
    "nasa|ibm|google|microsoft|apple|amazon|facebook|meta|intel|nvidia|oracle|samsung|sony|toyota|honda|\
    boeing|airbus|siemens|nokia|ericsson|unesco|unicef|nato|fbi|cia|nsa|bbc|cnn|nbc|cbs|abc|who|wto|imf|\
    opec|fifa|uefa|mit|ucla|caltech|harvard|yale|princeton|stanford|oxford university|cern|esa|un|eu|\
    united nations|european union|red cross|interpol|reuters|netflix|tesla|spacex|ford|general motors|\
    volkswagen|bmw|ferrari|shell|bp|exxon|pfizer|bayer|nestle|nestlé|unilever|ikea|lego|philips|hsbc|\
    barclays|goldman sachs|jpmorgan|visa|mastercard|paypal|twitter|linkedin|youtube|wikipedia|openai|\
    deepmind|anthropic|at&t|verizon|walmart|disney|warner bros|paramount|universal|nhs|ieee|acm|iso|w3c|\
    ietf|darpa|noaa|epa|fda|cdc|nih|nsf|ecb|fed";

word_set!(first_names, FIRST_NAMES);
word_set!(countries, COUNTRIES);
word_set!(places, PLACES);
word_set!(organisations, ORGANISATIONS);

/// A common first name (lower case, folded).
pub(crate) fn is_first_name(key: &str) -> bool {
    first_names().contains(key)
}

/// A known country, region, city or natural feature (a whole key).
pub(crate) fn is_known_place(key: &str) -> bool {
    countries().contains(key) || places().contains(key)
}

/// A known organisation (a whole key).
pub(crate) fn is_known_organisation(key: &str) -> bool {
    organisations().contains(key)
}
