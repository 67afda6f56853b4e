// An application session on the official JavaScript driver (npm neo4j-driver 6.x) against
// Orbit's Bolt listener, run by tests/tests/e2e/cypher_clients.rs:
//   node neo4j_session.cjs <driver module dir> <uri> <user> <password>
// executeQuery with parameters and its counters, nodes/relationships/paths with element
// ids (the driver rejects structures of the wrong size), a read transaction function,
// an explicit transaction committed and one rolled back, a result streamed with
// fetchSize 2, temporal parameters round-tripped, a syntax error's code. Prints
// `ok <step>` per step; the first mismatch prints what it got and exits with status 1.
'use strict'

const [, , moduleDir, uri, user, password] = process.argv
const neo4j = require(require('path').join(moduleDir, 'node_modules', 'neo4j-driver'))

function check (step, ok, detail) {
  if (ok) {
    console.log(`ok ${step}`)
  } else {
    console.log(`FAILED ${step}: ${JSON.stringify(detail, (k, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
    process.exit(1)
  }
}

async function main () {
  const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), { disableLosslessIntegers: true })
  try {
    await driver.verifyConnectivity()
    check('connectivity', true)
    const info = await driver.getServerInfo()
    check('server agent', /^Neo4j\/5/.test(info.agent), info.agent)

    await driver.executeQuery('MATCH (n:Js) DETACH DELETE n')
    const created = await driver.executeQuery(
      'CREATE (a:Js:Person {name: $a, age: $age})-[r:KNOWS {since: $since}]->(b:Js:Person {name: $b}) RETURN a, r, b',
      { a: 'alice', b: 'bob', age: 42, since: 2020 }
    )
    const counters = created.summary.counters.updates()
    check('counters', counters.nodesCreated === 2 && counters.relationshipsCreated === 1 && counters.propertiesSet === 4 &&
      counters.labelsAdded === 4, counters)
    check('contains updates', created.summary.counters.containsUpdates(), counters)
    check('query type', created.summary.queryType === 'rw', created.summary.queryType)
    const [record] = created.records
    const a = record.get('a')
    const r = record.get('r')
    const b = record.get('b')
    check('node', a instanceof neo4j.types.Node && a.labels.sort().join() === 'Js,Person' && a.properties.name === 'alice', a)
    check('element ids', typeof a.elementId === 'string' && a.elementId.length > 0 && a.elementId !== b.elementId, a.elementId)
    check('relationship', r instanceof neo4j.types.Relationship && r.type === 'KNOWS' &&
      r.startNodeElementId === a.elementId && r.endNodeElementId === b.elementId && r.properties.since === 2020, r)

    // An element id round-trips as a parameter.
    const byId = await driver.executeQuery('MATCH (n) WHERE elementId(n) = $id RETURN n.name AS name', { id: a.elementId })
    check('element id parameter', byId.records.length === 1 && byId.records[0].get('name') === 'alice', byId.records)

    const paths = await driver.executeQuery("MATCH p = (:Js {name: 'alice'})-[:KNOWS]->(:Js) RETURN p")
    const path = paths.records[0].get('p')
    check('path', path instanceof neo4j.types.Path && path.length === 1 && path.start.properties.name === 'alice' &&
      path.end.properties.name === 'bob' && path.segments[0].relationship.type === 'KNOWS', path)

    // A read transaction function.
    const session = driver.session({ defaultAccessMode: neo4j.session.READ })
    const names = await session.executeRead(async tx => {
      const result = await tx.run('MATCH (n:Js) RETURN n.name AS name ORDER BY name')
      return result.records.map(rec => rec.get('name'))
    })
    await session.close()
    check('read transaction', names.join() === 'alice,bob', names)

    // Explicit transactions: one commits, one rolls back.
    const writer = driver.session()
    let tx = writer.beginTransaction()
    await tx.run("CREATE (:Js {name: 'committed'})")
    await tx.commit()
    tx = writer.beginTransaction()
    await tx.run("CREATE (:Js {name: 'rolled back'})")
    await tx.rollback()
    const kept = await writer.run("MATCH (n:Js) WHERE n.name IN ['committed', 'rolled back'] RETURN n.name AS name")
    check('commit and rollback', kept.records.map(rec => rec.get('name')).join() === 'committed', kept.records)
    await writer.close()

    // Streaming with a fetch size of 2: several PULLs with has_more.
    const streaming = driver.session({ fetchSize: 2 })
    let sum = 0
    let count = 0
    await new Promise((resolve, reject) => {
      streaming.run('UNWIND range(1, 25) AS i RETURN i').subscribe({
        onNext: rec => { sum += rec.get('i'); count += 1 },
        onCompleted: resolve,
        onError: reject
      })
    })
    await streaming.close()
    check('fetch size 2', count === 25 && sum === 325, { count, sum })

    // Temporal parameters come back as the same values.
    const date = new neo4j.types.Date(2024, 2, 29)
    const dateTime = new neo4j.types.DateTime(2024, 2, 29, 13, 45, 30, 123000000, 3600)
    const duration = new neo4j.types.Duration(14, 3, 3723, 5)
    const temporal = await driver.executeQuery('RETURN $d AS d, $dt AS dt, $dur AS dur, $d.year AS year',
      { d: date, dt: dateTime, dur: duration })
    const t = temporal.records[0]
    check('date', t.get('d').toString() === '2024-02-29', t.get('d').toString())
    check('datetime', t.get('dt').toString() === '2024-02-29T13:45:30.123000000+01:00', t.get('dt').toString())
    check('duration', t.get('dur').toString() === duration.toString(), t.get('dur').toString())
    check('temporal accessor', t.get('year') === 2024, t.get('year'))

    // A syntax error, and the driver goes on.
    try {
      await driver.executeQuery('MATCH (n RETURN n')
      check('syntax error', false, 'accepted')
    } catch (e) {
      check('syntax error code', e.code === 'Neo.ClientError.Statement.SyntaxError', e.code)
    }
    const after = await driver.executeQuery('RETURN 1 AS one')
    check('after the error', after.records[0].get('one') === 1, after.records)
    await driver.executeQuery('MATCH (n:Js) DETACH DELETE n')
  } finally {
    await driver.close()
  }
  console.log('neo4j-driver session ok')
}

main().catch(e => {
  console.log(`FAILED: ${e.code || ''} ${e.message}`)
  process.exit(1)
})
