/**
 * `vigie/adapters`: the edges. Sources make Observables (Kafka, a serial port, simulators, a
 * PaySim CSV); sinks write them (PostgreSQL, Kafka, pickle and JSONL logs) and say what they
 * wrote, so the source commits only that. Servers to run them on (an embedded PostgreSQL, a
 * Kafka broker) for a laptop or a test.
 */
export { type KafkaBroker, type KafkaBrokerOptions, startKafkaBroker } from './kafka/broker.ts';
export * from './kafka/deadLetterJson.ts';
export * from './kafka/fromKafka.ts';
export * from './kafka/producer.ts';
export * from './kafka/toKafka.ts';
export * from './kafka/types.ts';
export * from './paysim.ts';
export { type PickleLog, type PickleLogOptions, openPickleLog } from './pickle/pickleLog.ts';
export { type DecodeOptions, decodePickleList } from './pickle/decode.ts';
export * from './postgres/connect.ts';
export * from './postgres/copyRows.ts';
export * from './postgres/embeddedPostgres.ts';
export * from './postgres/migrations.ts';
export * from './postgres/tables.ts';
export * from './postgres/toPostgres.ts';
export * from './serial/fromSerialPort.ts';
export * from './serial/virtualSerial.ts';
export * from './simulatedArduino.ts';
export * from './simulatedBank/index.ts';
export * from './simulatedTransactions.ts';
export * from './temporaryServers.ts';
export * from './toJsonlLog.ts';
export * from './toPickleLog.ts';
