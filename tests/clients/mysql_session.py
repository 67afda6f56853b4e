"""One MySQL application session, run unchanged against Orbit and against MariaDB.

Usage: mysql_session.py pymysql|connector HOST PORT
pymysql: PyMySQL (text protocol, client-side parameters). connector:
mysql-connector-python in pure-Python mode with a prepared cursor (COM_STMT_PREPARE /
COM_STMT_EXECUTE, binary rows). Prints "mysql session ok" when every check held.
"""
import datetime
import decimal
import sys

driver, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

if driver == "pymysql":
    import pymysql as db
    conn = db.connect(host=host, port=port, user="root", password="", autocommit=True)
    def cursor():
        return conn.cursor()
    def errno(e):
        return e.args[0]
    IntegrityError, ProgrammingError = db.err.IntegrityError, db.err.ProgrammingError
else:
    import mysql.connector as db
    conn = db.connect(host=host, port=port, user="root", password="", use_pure=True, autocommit=True)
    def cursor():
        return conn.cursor(prepared=True)
    def errno(e):
        return e.errno
    IntegrityError, ProgrammingError = db.errors.IntegrityError, db.errors.ProgrammingError

def check(what, got, want):
    if got != want:
        raise SystemExit(f"{driver}: {what}: got {got!r}, want {want!r}")

plain = conn.cursor()
plain.execute("DROP DATABASE IF EXISTS pyapp")
plain.execute("CREATE DATABASE pyapp")
plain.execute("USE pyapp")
plain.execute(
    "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "price DECIMAL(10,2), qty INT, added DATETIME, note TEXT)"
)
c = cursor()
c.execute("INSERT INTO items (name, price, qty, added, note) VALUES (%s, %s, %s, %s, %s)" if driver == "pymysql"
          else "INSERT INTO items (name, price, qty, added, note) VALUES (?, ?, ?, ?, ?)",
          ("apple", decimal.Decimal("1.25"), 10, datetime.datetime(2024, 1, 2, 3, 4, 5), None))
check("lastrowid", c.lastrowid, 1)
check("rowcount", c.rowcount, 1)
marker = "%s" if driver == "pymysql" else "?"
c.executemany(f"INSERT INTO items (name, price, qty) VALUES ({marker}, {marker}, {marker})",
              [("pear", decimal.Decimal("2.50"), 3), ("plum", decimal.Decimal("0.99"), 7)])
c.execute(f"SELECT id, name, price, qty, added, note FROM items WHERE id = {marker}", (1,))
row = c.fetchone()
check("row", tuple(row), (1, "apple", decimal.Decimal("1.25"), 10, datetime.datetime(2024, 1, 2, 3, 4, 5), None))
c.execute(f"SELECT name FROM items WHERE qty > {marker} ORDER BY name", (5,))
check("filtered", [r[0] for r in c.fetchall()], ["apple", "plum"])
c.execute(f"UPDATE items SET qty = qty + 1 WHERE price < {marker}", (decimal.Decimal("2.00"),))
check("updated", c.rowcount, 2)
c.execute("SELECT COUNT(*), SUM(qty) FROM items")
check("aggregate", tuple(c.fetchone()), (3, decimal.Decimal("22")))

# Errors keep the connection usable.
try:
    c.execute(f"INSERT INTO items (id, name) VALUES ({marker}, {marker})", (1, "dup"))
    raise SystemExit(f"{driver}: duplicate key accepted")
except IntegrityError as e:
    check("duplicate errno", errno(e), 1062)
try:
    plain.execute("SELECT * FROM missing_table")
    raise SystemExit(f"{driver}: missing table accepted")
except ProgrammingError as e:
    check("missing table errno", errno(e), 1146)

# A transaction rolled back, one committed.
conn.autocommit(False) if driver == "pymysql" else setattr(conn, "autocommit", False)
plain.execute("INSERT INTO items (name) VALUES ('ghost')")
conn.rollback()
plain.execute("INSERT INTO items (name) VALUES ('kept')")
conn.commit()
plain.execute("SELECT name FROM items ORDER BY id")
check("after transactions", [r[0] for r in plain.fetchall()], ["apple", "pear", "plum", "kept"])
plain.execute("DROP DATABASE pyapp")
conn.close()
print("mysql session ok")
