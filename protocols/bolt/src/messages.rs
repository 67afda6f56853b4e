//! Bolt request and response messages: a [`Request`] read from the PackStream structure
//! of one message body, and a [`Response`] written as one.
//!
//! Only the shape of each message is checked here (field count and types, PULL/DISCARD's
//! `n` and `qid`); which request is allowed in which state, and what the entries of the
//! `extra` dictionaries mean, is for the session above.

use bytes::BytesMut;

use crate::chunking;
use crate::error::{BoltError, BoltResult};
use crate::packstream::{self, dict_get, Dictionary, PackValue};

pub mod tag {
    pub const HELLO: u8 = 0x01;
    pub const GOODBYE: u8 = 0x02;
    pub const RESET: u8 = 0x0F;
    pub const RUN: u8 = 0x10;
    pub const BEGIN: u8 = 0x11;
    pub const COMMIT: u8 = 0x12;
    pub const ROLLBACK: u8 = 0x13;
    pub const DISCARD: u8 = 0x2F;
    pub const PULL: u8 = 0x3F;
    pub const TELEMETRY: u8 = 0x54;
    pub const ROUTE: u8 = 0x66;
    pub const LOGON: u8 = 0x6A;
    pub const LOGOFF: u8 = 0x6B;

    pub const SUCCESS: u8 = 0x70;
    pub const RECORD: u8 = 0x71;
    pub const IGNORED: u8 = 0x7E;
    pub const FAILURE: u8 = 0x7F;
}

/// PULL's and DISCARD's `n` meaning "all remaining records", and `qid` meaning "the
/// last query run".
pub const ALL: i64 = -1;
pub const LAST_QUERY: i64 = -1;

/// How much of which result a PULL or DISCARD asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimit {
    /// Records to pull or discard, [`ALL`] for every remaining one.
    pub n: i64,
    /// The query in an explicit transaction, [`LAST_QUERY`] for the last one run.
    pub qid: i64,
}

/// One client request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `extra`: user_agent, bolt_agent, routing, patch_bolt, and on 4.4/5.0 the auth
    /// entries (scheme, principal, credentials).
    Hello {
        extra: Dictionary,
    },
    Goodbye,
    Reset,
    Run {
        query: String,
        parameters: Dictionary,
        extra: Dictionary,
    },
    Begin {
        extra: Dictionary,
    },
    Commit,
    Rollback,
    Discard(StreamLimit),
    Pull(StreamLimit),
    /// `db` and `imp_user` come from the third field: a dictionary from 4.4 on, a bare
    /// database name (or null) as 4.3 sent it.
    Route {
        routing: Dictionary,
        bookmarks: Vec<String>,
        db: Option<String>,
        imp_user: Option<String>,
    },
    Logon {
        auth: Dictionary,
    },
    Logoff,
    Telemetry {
        api: i64,
    },
}

impl Request {
    /// Reads one message body (its chunks already joined).
    pub fn decode(body: &[u8]) -> BoltResult<Request> {
        Request::from_value(packstream::decode_exact(body)?)
    }

    /// The request a PackStream structure carries.
    pub fn from_value(value: PackValue) -> BoltResult<Request> {
        let PackValue::Structure { tag, fields } = value else { return Err(BoltError::NotAStructure) };
        let name = name_of(tag).ok_or(BoltError::UnknownMessage(tag))?;
        let mut fields = Fields { message: name, fields: fields.into_iter() };
        let request = match tag {
            tag::HELLO => Request::Hello { extra: fields.count(1)?.dict("extra")? },
            tag::GOODBYE => fields.count(0).map(|_| Request::Goodbye)?,
            tag::RESET => fields.count(0).map(|_| Request::Reset)?,
            tag::RUN => {
                let f = fields.count(3)?;
                Request::Run { query: f.string("query")?, parameters: f.dict("parameters")?, extra: f.dict("extra")? }
            }
            tag::BEGIN => Request::Begin { extra: fields.count(1)?.dict("extra")? },
            tag::COMMIT => fields.count(0).map(|_| Request::Commit)?,
            tag::ROLLBACK => fields.count(0).map(|_| Request::Rollback)?,
            tag::DISCARD => Request::Discard(stream_limit(name, &fields.count(1)?.dict("extra")?)?),
            tag::PULL => Request::Pull(stream_limit(name, &fields.count(1)?.dict("extra")?)?),
            tag::ROUTE => {
                let f = fields.count(3)?;
                let routing = f.dict("routing")?;
                let bookmarks = f.bookmarks()?;
                let (db, imp_user) = match f.next("db")? {
                    PackValue::Null => (None, None),
                    PackValue::String(db) => (Some(db), None),
                    PackValue::Dictionary(extra) => {
                        (optional_string(name, &extra, "db")?, optional_string(name, &extra, "imp_user")?)
                    }
                    _ => return Err(f.wrong("extra", "a dictionary")),
                };
                Request::Route { routing, bookmarks, db, imp_user }
            }
            tag::LOGON => Request::Logon { auth: fields.count(1)?.dict("auth")? },
            tag::LOGOFF => fields.count(0).map(|_| Request::Logoff)?,
            tag::TELEMETRY => Request::Telemetry { api: fields.count(1)?.int("api")? },
            _ => return Err(BoltError::UnknownMessage(tag)),
        };
        Ok(request)
    }

    /// The message's name as the Bolt documentation spells it (for logs and errors).
    pub fn name(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "HELLO",
            Request::Goodbye => "GOODBYE",
            Request::Reset => "RESET",
            Request::Run { .. } => "RUN",
            Request::Begin { .. } => "BEGIN",
            Request::Commit => "COMMIT",
            Request::Rollback => "ROLLBACK",
            Request::Discard(_) => "DISCARD",
            Request::Pull(_) => "PULL",
            Request::Route { .. } => "ROUTE",
            Request::Logon { .. } => "LOGON",
            Request::Logoff => "LOGOFF",
            Request::Telemetry { .. } => "TELEMETRY",
        }
    }
}

fn name_of(tag: u8) -> Option<&'static str> {
    Some(match tag {
        tag::HELLO => "HELLO",
        tag::GOODBYE => "GOODBYE",
        tag::RESET => "RESET",
        tag::RUN => "RUN",
        tag::BEGIN => "BEGIN",
        tag::COMMIT => "COMMIT",
        tag::ROLLBACK => "ROLLBACK",
        tag::DISCARD => "DISCARD",
        tag::PULL => "PULL",
        tag::ROUTE => "ROUTE",
        tag::LOGON => "LOGON",
        tag::LOGOFF => "LOGOFF",
        tag::TELEMETRY => "TELEMETRY",
        _ => return None,
    })
}

/// The fields of one request structure, read in order.
struct Fields {
    message: &'static str,
    fields: std::vec::IntoIter<PackValue>,
}

impl Fields {
    fn count(&mut self, expected: usize) -> BoltResult<&mut Self> {
        let got = self.fields.len();
        if got != expected {
            return Err(BoltError::WrongFieldCount { message: self.message, expected, got });
        }
        Ok(self)
    }

    fn wrong(&self, field: &'static str, expected: &'static str) -> BoltError {
        BoltError::WrongFieldType { message: self.message, field, expected }
    }

    fn next(&mut self, field: &'static str) -> BoltResult<PackValue> {
        self.fields.next().ok_or(BoltError::MissingField { message: self.message, field })
    }

    fn dict(&mut self, field: &'static str) -> BoltResult<Dictionary> {
        match self.next(field)? {
            PackValue::Dictionary(d) => Ok(d),
            _ => Err(self.wrong(field, "a dictionary")),
        }
    }

    fn string(&mut self, field: &'static str) -> BoltResult<String> {
        match self.next(field)? {
            PackValue::String(s) => Ok(s),
            _ => Err(self.wrong(field, "a string")),
        }
    }

    fn int(&mut self, field: &'static str) -> BoltResult<i64> {
        match self.next(field)? {
            PackValue::Integer(i) => Ok(i),
            _ => Err(self.wrong(field, "an integer")),
        }
    }

    fn bookmarks(&mut self) -> BoltResult<Vec<String>> {
        let PackValue::List(items) = self.next("bookmarks")? else {
            return Err(self.wrong("bookmarks", "a list of strings"));
        };
        items
            .into_iter()
            .map(|item| match item {
                PackValue::String(s) => Ok(s),
                _ => Err(self.wrong("bookmarks", "a list of strings")),
            })
            .collect()
    }
}

fn stream_limit(message: &'static str, extra: &Dictionary) -> BoltResult<StreamLimit> {
    let n = match dict_get(extra, "n") {
        Some(PackValue::Integer(n)) => *n,
        Some(_) => return Err(BoltError::WrongFieldType { message, field: "n", expected: "an integer" }),
        None => return Err(BoltError::MissingField { message, field: "n" }),
    };
    if n == 0 || n < ALL {
        return Err(BoltError::WrongFieldType { message, field: "n", expected: "a positive integer or -1" });
    }
    let qid = match dict_get(extra, "qid") {
        None | Some(PackValue::Null) => LAST_QUERY,
        Some(PackValue::Integer(q)) if *q >= LAST_QUERY => *q,
        Some(_) => return Err(BoltError::WrongFieldType { message, field: "qid", expected: "an integer" }),
    };
    Ok(StreamLimit { n, qid })
}

fn optional_string(message: &'static str, dict: &Dictionary, field: &'static str) -> BoltResult<Option<String>> {
    match dict_get(dict, field) {
        None | Some(PackValue::Null) => Ok(None),
        Some(PackValue::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(BoltError::WrongFieldType { message, field, expected: "a string" }),
    }
}

/// One server response.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Success(Dictionary),
    Record(Vec<PackValue>),
    Ignored,
    Failure(Dictionary),
}

impl Response {
    /// The structure this response is sent as.
    pub fn to_value(&self) -> PackValue {
        let (tag, fields) = match self {
            Response::Success(meta) => (tag::SUCCESS, vec![PackValue::Dictionary(meta.clone())]),
            Response::Record(values) => (tag::RECORD, vec![PackValue::List(values.clone())]),
            Response::Ignored => (tag::IGNORED, vec![]),
            Response::Failure(meta) => (tag::FAILURE, vec![PackValue::Dictionary(meta.clone())]),
        };
        PackValue::Structure { tag, fields }
    }

    /// Appends the message body (PackStream, not chunked) to `dst`.
    pub fn encode_body(&self, dst: &mut BytesMut) -> BoltResult<()> {
        packstream::encode(&self.to_value(), dst)
    }

    /// Appends the whole chunked message to `dst`; on error `dst` is left unchanged.
    pub fn write_message(&self, dst: &mut BytesMut) -> BoltResult<()> {
        let mut body = BytesMut::new();
        self.encode_body(&mut body)?;
        chunking::encode_message(&body, dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunking::ChunkDecoder;

    fn s(v: &str) -> PackValue {
        PackValue::String(v.into())
    }

    fn dict(entries: &[(&str, PackValue)]) -> PackValue {
        PackValue::Dictionary(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn structure(tag: u8, fields: Vec<PackValue>) -> PackValue {
        PackValue::Structure { tag, fields }
    }

    fn decode(value: PackValue) -> BoltResult<Request> {
        let body = packstream::to_bytes(&value).expect("encodable");
        Request::decode(&body)
    }

    fn entries(value: &PackValue) -> Dictionary {
        value.as_dict().cloned().unwrap_or_default()
    }

    #[test]
    fn hello_and_logon() {
        let extra = dict(&[("user_agent", s("neo4j-python/6.0")), ("scheme", s("basic"))]);
        assert_eq!(decode(structure(tag::HELLO, vec![extra.clone()])), Ok(Request::Hello { extra: entries(&extra) }));
        let auth = dict(&[("scheme", s("basic")), ("principal", s("neo4j")), ("credentials", s("password"))]);
        assert_eq!(decode(structure(tag::LOGON, vec![auth.clone()])), Ok(Request::Logon { auth: entries(&auth) }));
        assert_eq!(decode(structure(tag::LOGOFF, vec![])), Ok(Request::Logoff));
    }

    #[test]
    fn field_less_requests() {
        for (t, req) in [
            (tag::GOODBYE, Request::Goodbye),
            (tag::RESET, Request::Reset),
            (tag::COMMIT, Request::Commit),
            (tag::ROLLBACK, Request::Rollback),
        ] {
            assert_eq!(decode(structure(t, vec![])), Ok(req.clone()));
            assert_eq!(
                decode(structure(t, vec![PackValue::Null])),
                Err(BoltError::WrongFieldCount { message: req.name(), expected: 0, got: 1 })
            );
        }
    }

    #[test]
    fn run_and_begin() {
        let params = dict(&[("x", PackValue::Integer(1))]);
        let extra = dict(&[("db", s("neo4j")), ("bookmarks", PackValue::List(vec![]))]);
        assert_eq!(
            decode(structure(tag::RUN, vec![s("RETURN $x"), params.clone(), extra.clone()])),
            Ok(Request::Run { query: "RETURN $x".into(), parameters: entries(&params), extra: entries(&extra) })
        );
        assert_eq!(
            decode(structure(tag::RUN, vec![s("RETURN 1"), dict(&[])])),
            Err(BoltError::WrongFieldCount { message: "RUN", expected: 3, got: 2 })
        );
        assert_eq!(
            decode(structure(tag::RUN, vec![PackValue::Integer(1), dict(&[]), dict(&[])])),
            Err(BoltError::WrongFieldType { message: "RUN", field: "query", expected: "a string" })
        );
        assert_eq!(
            decode(structure(tag::RUN, vec![s("RETURN 1"), PackValue::Null, dict(&[])])),
            Err(BoltError::WrongFieldType { message: "RUN", field: "parameters", expected: "a dictionary" })
        );
        assert_eq!(decode(structure(tag::BEGIN, vec![extra.clone()])), Ok(Request::Begin { extra: entries(&extra) }));
    }

    #[test]
    fn pull_and_discard() {
        let pull = |extra| decode(structure(tag::PULL, vec![extra]));
        assert_eq!(pull(dict(&[("n", PackValue::Integer(1000))])), Ok(Request::Pull(StreamLimit { n: 1000, qid: -1 })));
        assert_eq!(
            pull(dict(&[("n", PackValue::Integer(-1)), ("qid", PackValue::Integer(3))])),
            Ok(Request::Pull(StreamLimit { n: ALL, qid: 3 }))
        );
        assert_eq!(pull(dict(&[])), Err(BoltError::MissingField { message: "PULL", field: "n" }));
        assert_eq!(
            pull(dict(&[("n", s("10"))])),
            Err(BoltError::WrongFieldType { message: "PULL", field: "n", expected: "an integer" })
        );
        assert!(pull(dict(&[("n", PackValue::Integer(0))])).is_err());
        assert!(pull(dict(&[("n", PackValue::Integer(5)), ("qid", PackValue::Integer(-2))])).is_err());
        assert_eq!(
            decode(structure(tag::DISCARD, vec![dict(&[("n", PackValue::Integer(-1))])])),
            Ok(Request::Discard(StreamLimit { n: ALL, qid: LAST_QUERY }))
        );
        assert_eq!(
            decode(structure(tag::DISCARD, vec![])),
            Err(BoltError::WrongFieldCount { message: "DISCARD", expected: 1, got: 0 })
        );
    }

    #[test]
    fn route() {
        let routing = dict(&[("address", s("localhost:7687"))]);
        let bookmarks = PackValue::List(vec![s("bm:1")]);
        let extra = dict(&[("db", s("neo4j")), ("imp_user", PackValue::Null)]);
        assert_eq!(
            decode(structure(tag::ROUTE, vec![routing.clone(), bookmarks.clone(), extra])),
            Ok(Request::Route {
                routing: entries(&routing),
                bookmarks: vec!["bm:1".into()],
                db: Some("neo4j".into()),
                imp_user: None
            })
        );
        assert_eq!(
            decode(structure(tag::ROUTE, vec![routing.clone(), PackValue::List(vec![]), PackValue::Null])),
            Ok(Request::Route { routing: entries(&routing), bookmarks: vec![], db: None, imp_user: None })
        );
        assert_eq!(
            decode(structure(tag::ROUTE, vec![routing.clone(), PackValue::List(vec![1.into()]), dict(&[])])),
            Err(BoltError::WrongFieldType { message: "ROUTE", field: "bookmarks", expected: "a list of strings" })
        );
        assert_eq!(
            decode(structure(tag::ROUTE, vec![routing, bookmarks, dict(&[("db", 1.into())])])),
            Err(BoltError::WrongFieldType { message: "ROUTE", field: "db", expected: "a string" })
        );
    }

    #[test]
    fn telemetry() {
        assert_eq!(decode(structure(tag::TELEMETRY, vec![2.into()])), Ok(Request::Telemetry { api: 2 }));
        assert_eq!(
            decode(structure(tag::TELEMETRY, vec![s("2")])),
            Err(BoltError::WrongFieldType { message: "TELEMETRY", field: "api", expected: "an integer" })
        );
    }

    #[test]
    fn bad_messages() {
        assert_eq!(decode(structure(0x55, vec![])), Err(BoltError::UnknownMessage(0x55)));
        assert_eq!(decode(structure(tag::SUCCESS, vec![dict(&[])])), Err(BoltError::UnknownMessage(tag::SUCCESS)));
        assert_eq!(decode(PackValue::List(vec![])), Err(BoltError::NotAStructure));
        assert_eq!(Request::decode(&[0xB0, 0x0F, 0x00]), Err(BoltError::TrailingBytes(1)));
        assert!(matches!(Request::decode(&[0xB1, 0x01]), Err(BoltError::Truncated(_))));
        assert!(Request::decode(&[]).is_err());
    }

    #[test]
    fn responses_are_structures() {
        let meta = vec![("server".to_string(), s("Neo4j/5.26.0")), ("connection_id".to_string(), s("bolt-1"))];
        let mut body = BytesMut::new();
        Response::Success(vec![]).encode_body(&mut body).expect("encodes");
        assert_eq!(&body[..], &[0xB1, 0x70, 0xA0]);
        body.clear();
        Response::Record(vec![1.into(), s("a")]).encode_body(&mut body).expect("encodes");
        assert_eq!(&body[..], &[0xB1, 0x71, 0x92, 0x01, 0x81, 0x61]);
        body.clear();
        Response::Ignored.encode_body(&mut body).expect("encodes");
        assert_eq!(&body[..], &[0xB0, 0x7E]);

        for response in [
            Response::Success(meta.clone()),
            Response::Failure(vec![("code".into(), s("Neo.ClientError.Statement.SyntaxError"))]),
        ] {
            let mut wire = BytesMut::new();
            response.write_message(&mut wire).expect("encodes");
            let message = ChunkDecoder::default().decode(&mut wire).expect("frames").expect("whole");
            let value = packstream::decode_exact(&message).expect("decodes");
            assert_eq!(value, response.to_value());
        }
    }

    #[test]
    fn a_pipelined_session_round_trips_through_the_framing() {
        let requests = [
            structure(tag::HELLO, vec![dict(&[("user_agent", s("t"))])]),
            structure(tag::RUN, vec![s("RETURN 1"), dict(&[]), dict(&[])]),
            structure(tag::PULL, vec![dict(&[("n", PackValue::Integer(2))])]),
            structure(tag::GOODBYE, vec![]),
        ];
        let mut wire = BytesMut::new();
        for r in &requests {
            chunking::encode_message(&packstream::to_bytes(r).expect("encodable"), &mut wire);
        }
        let mut decoder = ChunkDecoder::default();
        let mut names = Vec::new();
        while let Some(body) = decoder.decode(&mut wire).expect("frames") {
            names.push(Request::decode(&body).expect("request").name());
        }
        assert_eq!(names, ["HELLO", "RUN", "PULL", "GOODBYE"]);
    }
}
