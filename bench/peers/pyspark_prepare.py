"""The peer for the prepare benchmark: the course's cleaning logic in PySpark, run in local mode.

Reads raw transaction files in the course format (one `# a | b | ...` header line, then comma-separated rows),
removes duplicate transaction ids, sets missing terminal ids to 0, repairs negative customer ids, drops rows whose
datetime does not parse, recomputes tx_time_days and writes Parquet partitioned by day. Compression is zstd (the
course used Spark's default snappy) so the output codec matches ours.

Prints one JSON line on stdout with the phase timings (session start, job) and, with --count, the row counts.

    python pyspark_prepare.py --out LAKE_DIR [--master local[2]] [--driver-memory 4g] [--count] FILE...
    python pyspark_prepare.py --remote sc://HOST:PORT/;token=T --out LAKE_DIR FILE...   (PySpark's Connect client)
"""

import argparse
import json
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory (must not exist)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--remote", help="a Spark Connect server to run on instead of a local session")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--compression", default="zstd")
    parser.add_argument("--count", action="store_true", help="after writing, read the output back and count rows")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from pyspark.sql import SparkSession, functions as F, types as T

    if args.remote:
        spark = SparkSession.builder.remote(args.remote).getOrCreate()
    else:
        spark = (
            SparkSession.builder.master(args.master)
            .appName("fraudops-bench-prepare-peer")
            .config("spark.driver.memory", args.driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
    # An unparseable datetime (e.g. hour 24) must become null, as in Spark 2, not raise an upgrade error.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    # Spark 4 turns ANSI mode on by default, which raises on bad casts instead of yielding null.
    spark.conf.set("spark.sql.ansi.enabled", "false")
    t_session = time.perf_counter()

    schema = T.StructType(
        [
            T.StructField("transaction_id", T.LongType()),
            T.StructField("tx_datetime", T.StringType()),
            T.StructField("customer_id", T.LongType()),
            T.StructField("terminal_id", T.StringType()),
            T.StructField("tx_amount", T.DoubleType()),
            T.StructField("tx_time_seconds", T.LongType()),
            T.StructField("tx_time_days", T.LongType()),
            T.StructField("tx_fraud", T.IntegerType()),
            T.StructField("tx_fraud_scenario", T.IntegerType()),
        ]
    )
    raw = spark.read.csv(args.files, schema=schema, comment="#", header=False, mode="PERMISSIVE")

    cleaned = (
        raw.dropDuplicates(["transaction_id"])
        # Read as text: `Err`, `None` and empty cast to null, and null becomes 0.
        .withColumn("terminal_id", F.trim(F.col("terminal_id")).cast(T.LongType()))
        .fillna({"terminal_id": 0})
        .withColumn("customer_id", F.abs(F.col("customer_id")))
        .withColumn("tx_datetime", F.to_timestamp(F.col("tx_datetime"), "yyyy-MM-dd HH:mm:ss"))
        .dropna(subset=["tx_datetime"])
        .withColumn("tx_time_days", F.floor(F.col("tx_time_seconds") / 86400).cast(T.LongType()))
        .withColumn("day", F.to_date(F.col("tx_datetime")))
    )
    cleaned.write.partitionBy("day").option("compression", args.compression).parquet(args.out)
    t_job = time.perf_counter()

    result = {
        "spark_version": spark.version,
        "master": "connect" if args.remote else args.master,
        "compression": args.compression,
        "session_start_s": round(t_session - t0, 3),
        "job_s": round(t_job - t_session, 3),
    }
    if args.count:
        result["rows_in"] = spark.read.csv(args.files, schema=schema, comment="#").count()
        result["rows_out"] = spark.read.parquet(args.out).count()
    spark.stop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
