//! One client connection: the connection phase (see [`crate::handshake`]), then the
//! command phase — one request packet, its answer packets with the following sequence
//! ids, until COM_QUIT, EOF, a broken packet or shutdown. Errors from the engine are ERR
//! packets and the connection goes on, as does a command payload that does not parse
//! (ERR 1835); an oversize or out-of-order packet gets an ERR and closes only this
//! connection.

use crate::handshake::{self, LoginError};
use crate::server::Shared;
use crate::statements::Statements;
use crate::wire::consts::*;
use crate::wire::{ClientHello, Command, ErrPacket, OkPacket, PacketError, PacketReader, PacketWriter};
use orbit_sql::{QueryOutput, Session, SqlError};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// A client stream, plain or TLS.
pub trait ClientStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> ClientStream for T {}

type Reader = PacketReader<ReadHalf<Box<dyn ClientStream>>>;
type Writer = PacketWriter<WriteHalf<Box<dyn ClientStream>>>;

/// The state of a logged-in connection.
pub(crate) struct Connection {
    pub shared: Arc<Shared>,
    pub session: Session,
    pub reader: Reader,
    pub writer: Writer,
    /// The capabilities both sides have.
    pub caps: u32,
    pub conn_id: u32,
    pub user: String,
    pub host: String,
    pub scramble: [u8; 20],
    pub over_tls: bool,
    pub multi_statements: bool,
    pub statements: Statements,
}

/// Serves one accepted connection to its end.
pub(crate) async fn serve(stream: TcpStream, peer: SocketAddr, conn_id: u32, shared: Arc<Shared>, shutdown: watch::Receiver<bool>) {
    let timeout = shared.options.handshake_timeout;
    let login = tokio::time::timeout(timeout, login(stream, peer, conn_id, shared)).await;
    let mut conn = match login {
        Ok(Some(conn)) => conn,
        Ok(None) => return,
        Err(_) => {
            tracing::debug!("handshake timed out");
            return;
        }
    };
    if let Err(e) = conn.command_loop(shutdown).await {
        tracing::debug!(error = %e, "connection ended");
    }
}

/// The connection phase; `None` when the client was refused or went away.
async fn login(stream: TcpStream, peer: SocketAddr, conn_id: u32, shared: Arc<Shared>) -> Option<Connection> {
    let _ = stream.set_nodelay(true);
    let tls = shared.tls.clone();
    let scramble = crate::wire::random_scramble().ok()?;
    let greeting = handshake::greeting(conn_id, scramble, tls.is_some()).encode();
    let max = shared.options.max_allowed_packet;
    let mut plain = stream;
    let (hello, seq, stream): (_, u8, Box<dyn ClientStream>) = {
        let mut reader = PacketReader::with_max_allowed_packet(&mut plain, max);
        let (seq, payload) = {
            let mut bytes = Vec::with_capacity(greeting.len() + 4);
            crate::wire::packet::encode_packet(&mut bytes, 0, &greeting);
            tokio::io::AsyncWriteExt::write_all(reader.get_mut(), &bytes).await.ok()?;
            match reader.next().await {
                Ok(Some(packet)) => packet,
                Ok(None) => return None,
                Err(PacketError::TooLarge { seq }) => {
                    let err = ErrPacket::new(ER_NET_PACKET_TOO_LARGE, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
                    let mut out = Vec::new();
                    crate::wire::packet::encode_packet(&mut out, seq.wrapping_add(1), &err.encode(handshake::server_capabilities(false)));
                    let _ = tokio::io::AsyncWriteExt::write_all(reader.get_mut(), &out).await;
                    return None;
                }
                Err(_) => return None,
            }
        };
        match handshake::parse_hello(&payload, tls.is_some()) {
            Ok(ClientHello::SslRequest(_)) => {
                let acceptor = tls.as_ref()?;
                if !reader.buffered().is_empty() {
                    return None;
                }
                let tls_stream = acceptor.accept(plain).await.ok()?;
                let mut boxed: Box<dyn ClientStream> = Box::new(tls_stream);
                let mut reader = PacketReader::with_max_allowed_packet(&mut boxed, max);
                let (seq, payload) = reader.next().await.ok()??;
                let leftover = !reader.buffered().is_empty();
                match handshake::parse_hello(&payload, true) {
                    Ok(ClientHello::Response(r)) if !leftover => (r, seq, boxed),
                    _ => return None,
                }
            }
            Ok(ClientHello::Response(r)) => {
                if !reader.buffered().is_empty() {
                    return None;
                }
                (r, seq, Box::new(plain))
            }
            Err(err) => {
                let mut writer = PacketWriter::new(plain);
                writer.write(seq.wrapping_add(1), &err.encode(handshake::server_capabilities(false)));
                let _ = writer.flush().await;
                return None;
            }
        }
    };
    let over_tls = tls.is_some() && hello.client_capabilities & CLIENT_SSL != 0;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = PacketReader::with_max_allowed_packet(read_half, max);
    let mut writer = PacketWriter::new(write_half);
    let caps = hello.capabilities;
    let host = handshake::host_of(&peer);
    let refuse = |writer: &mut Writer, seq: u8, err: ErrPacket| {
        writer.write(seq, &err.encode(caps));
    };
    let next_seq = match handshake::authenticate(
        &mut reader,
        &mut writer,
        seq.wrapping_add(1),
        &shared.accounts,
        &hello.username,
        &host,
        hello.auth_plugin.as_deref(),
        &hello.auth_response,
        &scramble,
        over_tls,
    )
    .await
    {
        Ok(seq) => seq,
        Err(LoginError::Refused(err)) => {
            refuse(&mut writer, seq.wrapping_add(1), err);
            let _ = writer.flush().await;
            return None;
        }
        Err(LoginError::Io(_)) => return None,
    };
    let mut session = match new_session(&shared, &hello.username, &host, conn_id) {
        Ok(s) => s,
        Err(e) => {
            refuse(&mut writer, next_seq, crate::errors::err_packet(&e));
            let _ = writer.flush().await;
            return None;
        }
    };
    if let Some(db) = hello.database.as_deref().filter(|d| !d.is_empty()) {
        if let Err(e) = session.set_current_database(db) {
            refuse(&mut writer, next_seq, crate::errors::err_packet(&e));
            let _ = writer.flush().await;
            return None;
        }
    }
    let conn = Connection {
        shared,
        session,
        reader,
        writer,
        caps,
        conn_id,
        user: hello.username.clone(),
        host,
        scramble,
        over_tls,
        multi_statements: caps & CLIENT_MULTI_STATEMENTS != 0,
        statements: Statements::new(max),
    };
    let mut conn = conn;
    let ok = OkPacket { affected_rows: 0, last_insert_id: 0, status: conn.status(), warnings: 0, info: String::new() };
    conn.writer.write(next_seq, &ok.encode(caps));
    conn.writer.flush().await.ok()?;
    tracing::debug!(user = %conn.user, tls = conn.over_tls, "logged in");
    Some(conn)
}

pub(crate) fn new_session(shared: &Shared, user: &str, host: &str, conn_id: u32) -> Result<Session, SqlError> {
    let mut session = Session::new(shared.engine.clone(), crate::server::ENGINE_DATABASE, user)?;
    session.set_connection_id(conn_id);
    session.set_client_host(host);
    Ok(session)
}

impl Connection {
    /// SERVER_STATUS flags for the session's state.
    pub fn status(&self) -> u16 {
        let mut status = 0;
        if self.session.autocommit() {
            status |= SERVER_STATUS_AUTOCOMMIT;
        }
        if self.session.in_transaction() {
            status |= SERVER_STATUS_IN_TRANS;
        }
        status
    }

    async fn command_loop(&mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), PacketError> {
        loop {
            let next = tokio::select! {
                next = self.reader.next() => next,
                _ = shutdown.changed() => {
                    if *shutdown.borrow() {
                        return Ok(());
                    }
                    continue;
                }
            };
            let (seq, payload) = match next {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(()),
                Err(PacketError::TooLarge { seq }) => {
                    let err = ErrPacket::new(ER_NET_PACKET_TOO_LARGE, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
                    self.writer.write(seq.wrapping_add(1), &err.encode(self.caps));
                    let _ = self.writer.flush().await;
                    return Err(PacketError::TooLarge { seq });
                }
                Err(e) => return Err(e),
            };
            let reply = seq.wrapping_add(1);
            // The packet's bounds are known, so a payload that does not parse is answered
            // and the session (its transaction, its statements) goes on, as in MySQL.
            let command = match Command::parse(&payload, self.caps) {
                Ok(c) => c,
                Err(_) => {
                    let err = ErrPacket::new(ER_MALFORMED_PACKET, "HY000", "Malformed communication packet.");
                    self.writer.write(reply, &err.encode(self.caps));
                    self.writer.flush().await?;
                    continue;
                }
            };
            if matches!(command, Command::Quit) {
                return Ok(());
            }
            let keep_open = self.dispatch(command, reply).await?;
            self.writer.flush().await?;
            if !keep_open {
                return Ok(());
            }
        }
    }

    /// Answers one command; false when the connection must close afterwards.
    async fn dispatch(&mut self, command: Command, seq: u8) -> Result<bool, PacketError> {
        if matches!(command, Command::Query(_) | Command::StmtExecute { .. }) {
            self.shared.questions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        match command {
            Command::Query(sql) => {
                let sql = String::from_utf8_lossy(&sql).into_owned();
                self.query(&sql, seq).await;
            }
            Command::InitDb(db) => match self.session.set_current_database(&db) {
                Ok(()) => self.ok(seq, None),
                Err(e) => self.error(seq, &e),
            },
            Command::Ping => self.ok(seq, None),
            Command::Statistics => {
                let text = crate::server::statistics(&self.shared);
                self.writer.write(seq, text.as_bytes());
            }
            Command::FieldList { table, .. } => self.field_list(&table, seq).await,
            Command::StmtPrepare(sql) => {
                let sql = String::from_utf8_lossy(&sql).into_owned();
                self.prepare(&sql, seq).await;
            }
            Command::StmtExecute { statement_id, flags, rest, .. } => self.execute(statement_id, flags, &rest, seq).await,
            Command::StmtSendLongData { statement_id, param_id, data } => {
                self.statements.append_long_data(statement_id, param_id, &data);
            }
            Command::StmtClose(id) => self.statements.close(id),
            Command::StmtReset(id) => {
                if self.statements.reset(id) {
                    self.ok(seq, None);
                } else {
                    self.unknown_statement(id, "mysqld_stmt_reset", seq);
                }
            }
            Command::StmtFetch { statement_id, .. } => self.unknown_statement(statement_id, "mysqld_stmt_fetch", seq),
            Command::SetOption(option) => match option {
                0 | 1 => {
                    self.multi_statements = option == 0;
                    let eof = crate::wire::EofPacket { warnings: 0, status: self.status() };
                    self.writer.write(seq, &eof.encode(self.caps & !CLIENT_DEPRECATE_EOF));
                }
                _ => self.error(seq, &SqlError::new("HY000", "Unknown command").with_mysql_errno(ER_UNKNOWN_COM_ERROR)),
            },
            Command::ResetConnection => {
                self.session.reset().await;
                self.statements = Statements::new(self.shared.options.max_allowed_packet);
                self.ok(seq, None);
            }
            Command::ChangeUser(change) => return self.change_user(change, seq).await,
            Command::Quit => return Ok(false),
            Command::Unknown(_) => {
                self.error(seq, &SqlError::new("08S01", "Unknown command").with_mysql_errno(ER_UNKNOWN_COM_ERROR));
            }
        }
        Ok(true)
    }

    pub(crate) fn ok(&mut self, seq: u8, affected: Option<orbit_sql::Affected>) {
        let affected = affected.unwrap_or_default();
        let ok = OkPacket {
            affected_rows: affected.rows,
            last_insert_id: affected.last_insert_id.unwrap_or(0),
            status: self.status(),
            warnings: self.session.warning_count(),
            info: String::new(),
        };
        self.writer.write(seq, &ok.encode(self.caps));
    }

    pub(crate) fn error(&mut self, seq: u8, e: &SqlError) {
        let err = crate::errors::err_packet(e);
        self.writer.write(seq, &err.encode(self.caps));
    }

    fn unknown_statement(&mut self, id: u32, what: &str, seq: u8) {
        let e = SqlError::new("HY000", format!("Unknown prepared statement handler ({id}) given to {what}")).with_mysql_errno(1243);
        self.error(seq, &e);
    }

    /// COM_QUERY: every statement of the text, each answered by a result set or an OK;
    /// all but the last carry SERVER_MORE_RESULTS_EXISTS. Stops at the first error.
    async fn query(&mut self, sql: &str, seq: u8) {
        if let Some(result) = self.shared.accounts.execute(sql).await {
            match result {
                Ok(()) => self.ok(seq, None),
                Err(e) => self.error(seq, &e),
            }
            return;
        }
        if sql.trim().trim_end_matches(';').trim().is_empty() {
            self.error(seq, &SqlError::new("42000", "Query was empty").with_mysql_errno(1065));
            return;
        }
        // Without CLIENT_MULTI_STATEMENTS a second statement is a syntax error and nothing
        // runs; the text is only counted when a ';' stands before its end.
        if !self.multi_statements && sql.trim_end().trim_end_matches(';').contains(';') {
            let several = orbit_sql::parse::parse(self.shared.engine.dialect(), sql).map_or(false, |s| s.len() > 1);
            if several {
                let e = SqlError::new(
                    "42000",
                    "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server \
                     version for the right syntax to use near ';' at line 1",
                )
                .with_mysql_errno(1064);
                self.error(seq, &e);
                return;
            }
        }
        let results = self.session.execute_batch(sql).await;
        let mut seq = seq;
        let count = results.len();
        for (i, result) in results.into_iter().enumerate() {
            let more = i + 1 < count;
            match result {
                Ok(output) => seq = self.send_output(output, seq, more, false),
                Err(e) => {
                    self.error(seq, &e);
                    return;
                }
            }
        }
    }

    /// Sends one statement's outcome; returns the next sequence id.
    pub(crate) fn send_output(&mut self, output: QueryOutput, seq: u8, more: bool, binary: bool) -> u8 {
        let more_flag = if more { SERVER_MORE_RESULTS_EXISTS } else { 0 };
        match output {
            QueryOutput::Rows { columns, rows, .. } => {
                let defs: Vec<_> = columns.iter().map(crate::column_defs::column_def).collect();
                let mut seq = self.writer.write(seq, &crate::wire::column_count(defs.len() as u64));
                for def in &defs {
                    seq = self.writer.write(seq, &def.encode());
                }
                if self.caps & CLIENT_DEPRECATE_EOF == 0 {
                    let eof = crate::wire::EofPacket { warnings: 0, status: self.status() | more_flag };
                    seq = self.writer.write(seq, &eof.encode(self.caps));
                }
                for row in &rows {
                    let packet = if binary {
                        let values: Vec<_> =
                            row.iter().zip(&columns).map(|(v, c)| crate::values::cell_wire(v, c)).collect();
                        match crate::wire::encode_binary_row(&defs, &values) {
                            Ok(p) => p,
                            Err(e) => {
                                let err = SqlError::new("HY000", format!("cannot send a row: {e}"));
                                self.error(seq, &err);
                                return seq.wrapping_add(1);
                            }
                        }
                    } else {
                        let texts: Vec<Option<Vec<u8>>> =
                            row.iter().zip(&columns).map(|(v, c)| crate::values::cell_text(v, c)).collect();
                        let refs: Vec<Option<&[u8]>> = texts.iter().map(|t| t.as_deref()).collect();
                        crate::wire::encode_text_row(&refs)
                    };
                    seq = self.writer.write(seq, &packet);
                }
                let end = crate::wire::end_of_resultset(self.caps, self.status() | more_flag, self.session.warning_count());
                self.writer.write(seq, &end)
            }
            QueryOutput::Command { command, affected } => {
                let warnings = self.session.warning_count();
                let info = info_line(&command, affected, warnings);
                let affected = affected.map(|(_, a)| a).unwrap_or_default();
                let ok = OkPacket {
                    affected_rows: affected.rows,
                    last_insert_id: affected.last_insert_id.unwrap_or(0),
                    status: self.status() | more_flag,
                    warnings,
                    info,
                };
                self.writer.write(seq, &ok.encode(self.caps))
            }
            QueryOutput::Empty => {
                self.ok(seq, None);
                seq.wrapping_add(1)
            }
        }
    }

    /// COM_FIELD_LIST: the table's column definitions, then EOF.
    async fn field_list(&mut self, table: &str, seq: u8) {
        let sql = format!("SELECT * FROM `{}` LIMIT 0", table.replace('`', "``"));
        match self.session.describe(&sql, &[]).await {
            Ok(description) => {
                let mut seq = seq;
                for column in &description.columns {
                    let mut def = crate::column_defs::column_def(column);
                    def.table = table.to_string();
                    def.org_table = table.to_string();
                    seq = self.writer.write(seq, &def.encode_for_field_list());
                }
                let eof = crate::wire::EofPacket { warnings: 0, status: self.status() };
                self.writer.write(seq, &eof.encode(self.caps & !CLIENT_DEPRECATE_EOF));
            }
            Err(e) => self.error(seq, &e),
        }
    }

    /// COM_CHANGE_USER: authenticates the new user over the connection's scramble and
    /// starts a fresh session; a refusal closes the connection, as in MySQL.
    async fn change_user(&mut self, change: crate::wire::ChangeUser, seq: u8) -> Result<bool, PacketError> {
        let result = handshake::authenticate(
            &mut self.reader,
            &mut self.writer,
            seq,
            &self.shared.accounts,
            &change.user,
            &self.host,
            change.plugin.as_deref(),
            &change.auth_response,
            &self.scramble,
            self.over_tls,
        )
        .await;
        let next = match result {
            Ok(next) => next,
            Err(LoginError::Refused(err)) => {
                self.writer.write(seq, &err.encode(self.caps));
                return Ok(false);
            }
            Err(LoginError::Io(e)) => return Err(e),
        };
        match new_session(&self.shared, &change.user, &self.host, self.conn_id) {
            Ok(session) => {
                self.session = session;
                self.user = change.user.clone();
                self.statements = Statements::new(self.shared.options.max_allowed_packet);
                if let Some(db) = change.database.as_deref().filter(|d| !d.is_empty()) {
                    if let Err(e) = self.session.set_current_database(db) {
                        self.error(next, &e);
                        return Ok(true);
                    }
                }
                self.ok(next, None);
                Ok(true)
            }
            Err(e) => {
                self.error(next, &e);
                Ok(false)
            }
        }
    }
}

/// The OK packet's human-readable info, as MySQL writes it: "Rows matched: 2  Changed: 1
/// Warnings: 0" for UPDATE, "Records: 3  Duplicates: 0  Warnings: 0" for an INSERT of
/// several rows (and REPLACE), "Records: 0  Duplicates: 0  Warnings: 0" for ALTER TABLE.
fn info_line(command: &str, affected: Option<(orbit_sql::Verb, orbit_sql::Affected)>, warnings: u16) -> String {
    match affected {
        Some((orbit_sql::Verb::Update, a)) => format!("Rows matched: {}  Changed: {}  Warnings: {warnings}", a.matched, a.rows),
        Some((orbit_sql::Verb::Insert, a)) if a.records > 1 => {
            format!("Records: {}  Duplicates: {}  Warnings: {warnings}", a.records, a.duplicates)
        }
        None if command == "ALTER TABLE" || command == "CREATE INDEX" => format!("Records: 0  Duplicates: 0  Warnings: {warnings}"),
        _ => String::new(),
    }
}
