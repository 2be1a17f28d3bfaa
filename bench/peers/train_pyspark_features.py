"""The feature-building peer of the train benchmark: the Handbook's features with PySpark window functions.

Reads the lake's Parquet parts and computes, per transaction, the features of src/features/spec.ts: amount,
weekend and night flags; customer count and average amount over 1, 7 and 30 days (range windows on epoch
seconds, the current transaction included); terminal count and fraud risk over 1, 7 and 30 days ending 7 days
(the label delay) before the transaction; the amount over the customer's 7-day average. Writes Parquet (zstd)
partitioned by day. It does less than ours: same-second transactions of one customer all see each other (ours
counts only those with a smaller id), and no range or missing-day checks.

Prints one JSON line on stdout with phase timings (session start, job) and the row count.

    python train_pyspark_features.py --out DIR [--master local[2]] [--driver-memory 4g] FILE...
"""

import argparse
import json
import sys
import time

DAY = 86400
CUSTOMER_WINDOWS = (1, 7, 30)
TERMINAL_WINDOWS = (1, 7, 30)
DELAY_DAYS = 7
NIGHT_MAX_HOUR = 6
RATIO_WINDOW = 7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory (must not exist)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from pyspark.sql import SparkSession, Window, functions as F

    spark = (
        SparkSession.builder.master(args.master)
        .appName("fraudops-bench-features-peer")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t1 = time.perf_counter()

    tx = (
        spark.read.parquet(*args.files)
        .select("transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_amount", "tx_fraud")
        .withColumn("t", F.unix_timestamp("tx_datetime"))
        .withColumn("cents", F.round(F.col("tx_amount") * 100).cast("long"))
    )
    cols = [
        F.col("tx_amount").cast("double").alias("TX_AMOUNT"),
        F.when(F.dayofweek("tx_datetime").isin(1, 7), 1.0).otherwise(0.0).alias("TX_DURING_WEEKEND"),
        F.when(F.hour("tx_datetime") <= NIGHT_MAX_HOUR, 1.0).otherwise(0.0).alias("TX_DURING_NIGHT"),
    ]
    for w in CUSTOMER_WINDOWS:
        win = Window.partitionBy("customer_id").orderBy("t").rangeBetween(-(w * DAY - 1), 0)
        n = F.count(F.lit(1)).over(win)
        cols += [
            n.cast("double").alias(f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"),
            (F.sum("cents").over(win) / (n * 100)).alias(f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"),
        ]
        if w == RATIO_WINDOW:
            total = F.sum("cents").over(win)
            ratio = F.when(total == 0, 1.0).otherwise(F.col("cents") * n / total)
    for w in TERMINAL_WINDOWS:
        win = Window.partitionBy("terminal_id").orderBy("t").rangeBetween(-((DELAY_DAYS + w) * DAY - 1), -DELAY_DAYS * DAY)
        n = F.count(F.lit(1)).over(win)
        frauds = F.coalesce(F.sum("tx_fraud").over(win), F.lit(0))
        cols += [
            n.cast("double").alias(f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"),
            F.when(n == 0, 0.0).otherwise(frauds / n).alias(f"TERMINAL_ID_RISK_{w}DAY_WINDOW"),
        ]
    cols.append(ratio.alias(f"AMOUNT_TO_CUSTOMER_AVG_{RATIO_WINDOW}DAY"))
    features = tx.select(
        "transaction_id", "tx_datetime", "customer_id", "terminal_id", "tx_fraud",
        F.date_format("tx_datetime", "yyyy-MM-dd").alias("day"), *cols,
    )
    features.write.option("compression", "zstd").partitionBy("day").parquet(args.out)
    t2 = time.perf_counter()
    rows = spark.read.parquet(args.out).count()
    version = spark.version
    spark.stop()
    json.dump({"session_start_s": t1 - t0, "job_s": t2 - t1, "rows": rows, "spark": version}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
