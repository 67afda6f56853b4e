//! The tokens of AQL and the names ArangoDB's parser gives them in its messages
//! (`unexpected identifier`, `unexpected FOR declaration`, `unexpected end of query
//! string`, ...).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    For,
    Let,
    Filter,
    Return,
    Collect,
    Sort,
    Limit,
    Window,
    Asc,
    Desc,
    In,
    With,
    Into,
    Aggregate,
    Graph,
    ShortestPath,
    KShortestPaths,
    KPaths,
    AllShortestPaths,
    Distinct,
    Remove,
    Insert,
    Update,
    Replace,
    Upsert,
    Null,
    True,
    False,
    Outbound,
    Inbound,
    Any,
    All,
    None,
    Like,
    Not,
    And,
    Or,
}

const KEYWORDS: &[(&str, Kw)] = &[
    ("FOR", Kw::For),
    ("LET", Kw::Let),
    ("FILTER", Kw::Filter),
    ("RETURN", Kw::Return),
    ("COLLECT", Kw::Collect),
    ("SORT", Kw::Sort),
    ("LIMIT", Kw::Limit),
    ("WINDOW", Kw::Window),
    ("ASC", Kw::Asc),
    ("DESC", Kw::Desc),
    ("IN", Kw::In),
    ("WITH", Kw::With),
    ("INTO", Kw::Into),
    ("AGGREGATE", Kw::Aggregate),
    ("GRAPH", Kw::Graph),
    ("SHORTEST_PATH", Kw::ShortestPath),
    ("K_SHORTEST_PATHS", Kw::KShortestPaths),
    ("K_PATHS", Kw::KPaths),
    ("ALL_SHORTEST_PATHS", Kw::AllShortestPaths),
    ("DISTINCT", Kw::Distinct),
    ("REMOVE", Kw::Remove),
    ("INSERT", Kw::Insert),
    ("UPDATE", Kw::Update),
    ("REPLACE", Kw::Replace),
    ("UPSERT", Kw::Upsert),
    ("NULL", Kw::Null),
    ("TRUE", Kw::True),
    ("FALSE", Kw::False),
    ("OUTBOUND", Kw::Outbound),
    ("INBOUND", Kw::Inbound),
    ("ANY", Kw::Any),
    ("ALL", Kw::All),
    ("NONE", Kw::None),
    ("LIKE", Kw::Like),
    ("NOT", Kw::Not),
    ("AND", Kw::And),
    ("OR", Kw::Or),
];

impl Kw {
    pub fn from_word(word: &str) -> Option<Kw> {
        KEYWORDS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word)).map(|(_, k)| *k)
    }

    /// The keyword as written in upper case (used where a keyword names an attribute).
    pub fn word(self) -> &'static str {
        KEYWORDS.iter().find(|(_, k)| *k == self).map_or("", |(w, _)| w)
    }

    fn name(self) -> &'static str {
        match self {
            Kw::For => "FOR declaration",
            Kw::Let => "LET declaration",
            Kw::Filter => "FILTER declaration",
            Kw::Return => "RETURN declaration",
            Kw::Collect => "COLLECT declaration",
            Kw::Sort => "SORT declaration",
            Kw::Limit => "LIMIT declaration",
            Kw::Window => "WINDOW declaration",
            Kw::Asc => "ASC keyword",
            Kw::Desc => "DESC keyword",
            Kw::In => "IN keyword",
            Kw::With => "WITH keyword",
            Kw::Into => "INTO keyword",
            Kw::Aggregate => "AGGREGATE keyword",
            Kw::Graph => "GRAPH keyword",
            Kw::ShortestPath => "SHORTEST_PATH keyword",
            Kw::KShortestPaths => "K_SHORTEST_PATHS keyword",
            Kw::KPaths => "K_PATHS keyword",
            Kw::AllShortestPaths => "ALL_SHORTEST_PATHS keyword",
            Kw::Distinct => "DISTINCT modifier",
            Kw::Remove => "REMOVE command",
            Kw::Insert => "INSERT command",
            Kw::Update => "UPDATE command",
            Kw::Replace => "REPLACE command",
            Kw::Upsert => "UPSERT command",
            Kw::Null => "null",
            Kw::True => "true",
            Kw::False => "false",
            Kw::Outbound => "outbound modifier",
            Kw::Inbound => "inbound modifier",
            Kw::Any => "any modifier",
            Kw::All => "all modifier",
            Kw::None => "none modifier",
            Kw::Like => "like operator",
            Kw::Not => "not operator",
            Kw::And => "and operator",
            Kw::Or => "or operator",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted name that is no keyword.
    Ident(String),
    /// A name in backticks or forward ticks: never a keyword.
    QuotedIdent(String),
    Str(String),
    Int(i64),
    Double(f64),
    /// A number literal too large for a double (ArangoDB makes it null with a warning).
    OutOfRange,
    /// `@name`
    Param(String),
    /// `@@name`
    CollectionParam(String),
    Kw(Kw),
    Assign,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    RegexMatch,
    RegexNotMatch,
    NotIn,
    AtLeast,
    /// `!` or `NOT`
    Not,
    /// `&&` or `AND`
    And,
    /// `||` or `OR`
    Or,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Question,
    Colon,
    Scope,
    Range,
    Dot,
    Comma,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    /// An ASCII character no token starts with.
    Invalid,
    /// A non-ASCII character outside strings: ArangoDB's scanner hands its (negative)
    /// byte to the parser, which takes it for the end of the text.
    NonAscii,
    /// A string, quoted name or comment that runs to the end of the text, with
    /// ArangoDB's message for it.
    Unterminated(&'static str),
    End,
}

impl Tok {
    /// The name in `syntax error, unexpected <name>`.
    pub fn name(&self) -> &'static str {
        match self {
            Tok::Ident(_) | Tok::QuotedIdent(_) => "identifier",
            Tok::Str(_) => "quoted string",
            Tok::Int(_) => "integer number",
            Tok::Double(_) | Tok::OutOfRange => "number",
            Tok::Param(_) => "bind parameter",
            Tok::CollectionParam(_) => "bind data source parameter",
            Tok::Kw(k) => k.name(),
            Tok::Assign => "assignment",
            Tok::Eq => "== operator",
            Tok::Ne => "!= operator",
            Tok::Lt => "< operator",
            Tok::Le => "<= operator",
            Tok::Gt => "> operator",
            Tok::Ge => ">= operator",
            Tok::RegexMatch => "~= operator",
            Tok::RegexNotMatch => "~! operator",
            Tok::NotIn => "not in operator",
            Tok::AtLeast => "at least modifier",
            Tok::Not => "not operator",
            Tok::And => "and operator",
            Tok::Or => "or operator",
            Tok::Plus => "+ operator",
            Tok::Minus => "- operator",
            Tok::Star => "* operator",
            Tok::Slash => "/ operator",
            Tok::Percent => "% operator",
            Tok::Question => "?",
            Tok::Colon => ":",
            Tok::Scope => "::",
            Tok::Range => "..",
            Tok::Dot => "'.'",
            Tok::Comma => "\",\"",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Invalid => "invalid token",
            Tok::NonAscii | Tok::Unterminated(_) | Tok::End => "end of query string",
        }
    }

    /// A name usable as a variable, collection or attribute: `T_STRING` in ArangoDB.
    pub fn identifier(&self) -> Option<&str> {
        match self {
            Tok::Ident(s) | Tok::QuotedIdent(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the query text: where the token starts and ends.
    pub offset: usize,
    pub end: usize,
    /// 1-based line.
    pub line: u32,
    /// 0-based byte column (messages add one).
    pub column: u32,
}
