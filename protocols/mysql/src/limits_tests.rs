//! Per-connection limits of the prepared-statement commands, over a real socket to the
//! listener on in-memory storage: long data past max_allowed_packet or for a parameter
//! that does not exist, the max_prepared_stmt_count cap, parameter values at the edge of
//! their types, command payloads that do not parse. Each refusal is MySQL's error and the
//! connection goes on.

use crate::cli_tests::start;
use crate::wire::client::{encode_execute_params, encode_handshake_response, parse_err_packet, parse_handshake_v10};
use crate::wire::consts::*;
use crate::wire::{ColumnType, HandshakeResponse, PacketReader, PacketWriter, WireValue};
use crate::MysqlOptions;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

const MAX_PACKET: usize = 256 * 1024;

struct Client {
    reader: PacketReader<OwnedReadHalf>,
    writer: PacketWriter<OwnedWriteHalf>,
}

impl Client {
    async fn connect(port: u16) -> Client {
        let (read, write) = TcpStream::connect(("127.0.0.1", port)).await.expect("connect").into_split();
        let mut client = Client {
            reader: PacketReader::with_max_allowed_packet(read, 1 << 30),
            writer: PacketWriter::new(write),
        };
        let (_, greeting) = client.reader.next().await.expect("greeting").expect("greeting");
        parse_handshake_v10(&greeting).expect("a protocol 10 greeting");
        let hello = encode_handshake_response(&HandshakeResponse {
            client_capabilities: CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH | CLIENT_DEPRECATE_EOF,
            max_packet_size: 1 << 24,
            charset: 45,
            username: "root".into(),
            auth_plugin: Some("mysql_native_password".into()),
            ..HandshakeResponse::default()
        });
        client.writer.write(1, &hello);
        client.writer.flush().await.expect("send the handshake response");
        assert_eq!(client.packet().await.first(), Some(&0x00), "login refused");
        client
    }

    async fn packet(&mut self) -> Vec<u8> {
        read(&mut self.reader).await
    }

    async fn send(&mut self, payload: &[u8]) {
        self.writer.write(0, payload);
        self.writer.flush().await.expect("send");
    }

    /// COM_STMT_PREPARE; the statement id, or the ERR packet.
    async fn prepare(&mut self, sql: &str) -> Result<u32, Vec<u8>> {
        let mut packet = vec![COM_STMT_PREPARE];
        packet.extend(sql.as_bytes());
        self.send(&packet).await;
        self.prepare_answer().await
    }

    async fn prepare_answer(&mut self) -> Result<u32, Vec<u8>> {
        prepare_answer(&mut self.reader).await
    }

    async fn long_data(&mut self, id: u32, param: u16, data: &[u8]) {
        let mut packet = vec![COM_STMT_SEND_LONG_DATA];
        packet.extend(id.to_le_bytes());
        packet.extend(param.to_le_bytes());
        packet.extend(data);
        self.send(&packet).await;
    }

    /// COM_STMT_EXECUTE of a one-parameter statement; the first answer packet and, for a
    /// result set, the row.
    async fn execute(&mut self, id: u32, ty: ColumnType, value: WireValue, long: bool) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut packet = vec![COM_STMT_EXECUTE];
        packet.extend(id.to_le_bytes());
        packet.extend([0, 1, 0, 0, 0]);
        let long_ids: &[u16] = if long { &[0] } else { &[] };
        packet.extend(encode_execute_params(&[(ty, false)], &[value], true, long_ids).expect("encode"));
        self.send(&packet).await;
        let first = self.packet().await;
        if first.first() == Some(&0xFF) {
            return (first, None);
        }
        let _column = self.packet().await;
        let row = self.packet().await;
        let end = self.packet().await;
        assert_eq!(end.first(), Some(&0xFE), "{end:?}");
        (first, Some(row))
    }

    async fn ping(&mut self) {
        self.send(&[COM_PING]).await;
        assert_eq!(self.packet().await.first(), Some(&0x00), "COM_PING after the refusal");
    }
}

/// COM_STMT_PREPARE_OK and its definitions (no EOFs: CLIENT_DEPRECATE_EOF), or the ERR.
async fn prepare_answer(reader: &mut PacketReader<OwnedReadHalf>) -> Result<u32, Vec<u8>> {
    let ok = read(reader).await;
    if ok.first() != Some(&0x00) {
        return Err(ok);
    }
    let id = u32::from_le_bytes([ok[1], ok[2], ok[3], ok[4]]);
    let columns = u16::from_le_bytes([ok[5], ok[6]]);
    let params = u16::from_le_bytes([ok[7], ok[8]]);
    for _ in 0..(u32::from(columns) + u32::from(params)) {
        read(reader).await;
    }
    Ok(id)
}

async fn read(reader: &mut PacketReader<OwnedReadHalf>) -> Vec<u8> {
    reader.next().await.expect("read").expect("the connection was closed").1
}

fn assert_err(packet: &[u8], code: u16, state: &str, message: &str) {
    let err = parse_err_packet(packet).unwrap_or_else(|e| panic!("not an ERR packet ({e}): {packet:02x?}"));
    assert_eq!((err.code, &err.sql_state[..]), (code, state.as_bytes()), "{}", err.message);
    assert!(err.message.contains(message), "{}", err.message);
}

fn options() -> MysqlOptions {
    MysqlOptions { max_allowed_packet: MAX_PACKET, ..MysqlOptions::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_data_past_max_allowed_packet_is_refused_at_execute() {
    let (port, _stop) = start(options()).await;
    let mut c = Client::connect(port).await;
    let id = c.prepare("SELECT ?").await.expect("prepare");
    let chunk = vec![b'x'; 60_000];
    for _ in 0..5 {
        c.long_data(id, 0, &chunk).await;
    }
    for _ in 0..2 {
        let (answer, _) = c.execute(id, ColumnType::Blob, WireValue::Null, true).await;
        assert_err(&answer, 1105, "HY000", "longer than 'max_allowed_packet' bytes");
    }
    // COM_STMT_RESET clears the error; long data within the limit is the parameter.
    c.send(&[COM_STMT_RESET, id as u8, (id >> 8) as u8, (id >> 16) as u8, (id >> 24) as u8]).await;
    assert_eq!(c.packet().await.first(), Some(&0x00));
    c.long_data(id, 0, b"0123456789").await;
    let (_, row) = c.execute(id, ColumnType::Blob, WireValue::Null, true).await;
    let row = row.expect("a row");
    assert!(row.ends_with(b"0123456789"), "{row:?}");
    // Long data for a parameter the statement does not have.
    c.long_data(id, 5, b"nowhere").await;
    let (answer, _) = c.execute(id, ColumnType::Long, WireValue::Int(1), false).await;
    assert_err(&answer, 1210, "HY000", "Incorrect arguments to mysqld_stmt_send_long_data");
    // Long data for a statement that does not exist is ignored, as in MySQL.
    c.long_data(9999, 0, b"ignored").await;
    c.ping().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_data_is_bounded_per_connection() {
    let (port, _stop) = start(options()).await;
    let mut c = Client::connect(port).await;
    let chunk = vec![b'y'; MAX_PACKET - 16];
    let mut ids = Vec::new();
    for _ in 0..5 {
        let id = c.prepare("SELECT ?").await.expect("prepare");
        c.long_data(id, 0, &chunk).await;
        ids.push(id);
    }
    // Four max_allowed_packets are held; the fifth statement's data is refused.
    let (answer, _) = c.execute(ids[4], ColumnType::Blob, WireValue::Null, true).await;
    assert_err(&answer, 1105, "HY000", "max_allowed_packet");
    let (first, row) = c.execute(ids[0], ColumnType::Blob, WireValue::Null, true).await;
    assert_ne!(first.first(), Some(&0xFF), "{first:?}");
    assert!(row.expect("a row").ends_with(&chunk));
    c.ping().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_parameter_of_u32_max_days_does_not_break_the_connection() {
    let (port, _stop) = start(options()).await;
    let mut c = Client::connect(port).await;
    let id = c.prepare("SELECT ?").await.expect("prepare");
    let time = WireValue::Time { negative: false, days: u32::MAX, hours: 23, minutes: 1, seconds: 2, micros: 0 };
    let (first, _) = c.execute(id, ColumnType::Time, time, false).await;
    assert_ne!(first.first(), Some(&0xFF), "{first:?}");
    c.ping().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_statements_stop_at_max_prepared_stmt_count() {
    let (port, _stop) = start(options()).await;
    let c = Client::connect(port).await;
    // Pipelined: all the COM_STMT_PREPAREs are written by one task while this one reads.
    const COUNT: usize = 16382;
    let Client { mut reader, mut writer } = c;
    let sender = tokio::spawn(async move {
        for _ in 0..=COUNT {
            writer.write(0, b"\x16SELECT 1");
            if writer.buffered_len() > 64 * 1024 {
                writer.flush().await.expect("send");
            }
        }
        writer.flush().await.expect("send");
        writer
    });
    for i in 0..COUNT {
        prepare_answer(&mut reader).await.unwrap_or_else(|e| panic!("prepare {i}: {e:?}"));
    }
    let refused = prepare_answer(&mut reader).await.expect_err("statement 16383 was prepared");
    assert_err(&refused, 1461, "42000", "Can't create more than max_prepared_stmt_count statements (current value: 16382)");
    let mut c = Client { reader, writer: sender.await.expect("sender") };
    // Closing one makes room for one.
    c.send(&[COM_STMT_CLOSE, 1, 0, 0, 0]).await;
    c.prepare("SELECT 2").await.expect("prepare after a close");
    c.ping().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_commands_get_1835_and_the_session_goes_on() {
    let (port, _stop) = start(options()).await;
    let mut c = Client::connect(port).await;
    let id = c.prepare("SELECT ?").await.expect("prepare");
    for bad in [
        &[][..],
        &[COM_STMT_CLOSE, 1, 0],
        &[COM_STMT_EXECUTE, 1, 0, 0],
        &[COM_STMT_SEND_LONG_DATA, 1, 0, 0, 0, 0],
        &[COM_SET_OPTION, 1],
        &[COM_STMT_FETCH, 1, 0, 0, 0],
        &[COM_INIT_DB, 0xFF, 0xFE],
        b"\x11bob\0\x14ab",
    ] {
        c.send(bad).await;
        assert_err(&c.packet().await, 1835, "HY000", "Malformed communication packet.");
    }
    // The statement prepared before is still there.
    let (first, row) = c.execute(id, ColumnType::Long, WireValue::Int(7), false).await;
    assert_ne!(first.first(), Some(&0xFF), "{first:?}");
    assert!(row.is_some());
    c.ping().await;
}
