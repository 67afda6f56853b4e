//! In-process tests of the HTTP API over a real socket: a raw HTTP/1.1 client against
//! the router served on 127.0.0.1:0, expected answers taken from ArangoDB's recorded
//! transcripts (../shared/arangodb-examples/rest-examples.json) and documentation.
