"""The seed's Spark job, as `npm run bench -- spark` runs it beside vigie.

Structured Streaming on local[2]: read the topic from its earliest offset, parse each value with
the seed producer's schema, keep the transactions above 10 000 XAF, and append each micro-batch
to PostgreSQL over JDBC (foreachBatch). The default trigger: a new micro-batch as soon as the
previous one is done. Beside the seed's fields each row carries its Kafka coordinates and
timestamp, so the benchmark can find rows missing or doubled and time each one.

Usage: fraud_job.py BROKERS TOPIC TABLE CHECKPOINT_DIR, with the database in the environment
(VIGIE_BENCH_DATABASE_URL, postgres://user:password@host:port/db): a password on a command line
is visible to every user of the machine.
"""
import os
import sys
from urllib.parse import unquote, urlsplit

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, from_json
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

LIMIT_XAF = 10_000

SCHEMA = StructType([
    StructField("id", IntegerType()),
    StructField("transaction_id", IntegerType()),
    StructField("amount", DoubleType()),
    StructField("currency", StringType()),
    StructField("timestamp", StringType()),
])


def jdbc(database_url):
    url = urlsplit(database_url)
    properties = {"driver": "org.postgresql.Driver", "user": unquote(url.username or "")}
    if url.password is not None:
        properties["password"] = unquote(url.password)
    return f"jdbc:postgresql://{url.hostname}:{url.port or 5432}{url.path}", properties


def main():
    brokers, topic, table, checkpoint = sys.argv[1:5]
    jdbc_url, properties = jdbc(os.environ["VIGIE_BENCH_DATABASE_URL"])
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("seed-fraud-job")
        # Nothing listens beyond this machine (the UI would bind every interface).
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")

    records = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", brokers)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    suspicious = (
        records.select(
            from_json(col("value").cast("string"), SCHEMA).alias("t"),
            col("topic").alias("kafka_topic"),
            col("partition").alias("kafka_partition"),
            col("offset").alias("kafka_offset"),
            col("timestamp").alias("kafka_timestamp"),
        )
        .select(
            "t.id", "t.transaction_id", "t.amount", "t.currency",
            col("t.timestamp").alias("tx_timestamp"),
            "kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp",
        )
        .filter(col("amount") > LIMIT_XAF)
    )

    def append(batch, _batch_id):
        batch.write.jdbc(jdbc_url, table, mode="append", properties=properties)

    query = suspicious.writeStream.foreachBatch(append).option("checkpointLocation", checkpoint).start()
    print("vigie-bench: query started", flush=True)
    query.awaitTermination()


if __name__ == "__main__":
    main()
