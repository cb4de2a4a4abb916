"""scripts/bench/bench_report.py: ratios pair runs one by one, and docs/benchmarks.md shows failures."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "bench"))
import bench_report  # noqa: E402


def job(seconds, **timings):
    return {"seconds": seconds, "timings": timings, "threads": 2, "backend": "wasm-mt", "crossOriginIsolated": True}


RESULTS = [
    {"image": "12MP", "run": 1, "variant": "cutout wasm-mt", "cold": job(12.0, inference=6.0, compose=1.0), "warm": job(8.0, inference=6.0, compose=0.6)},
    {"image": "12MP", "run": 1, "variant": "imgly", "cold": job(10.0), "warm": job(10.0)},
    {"image": "12MP", "run": 2, "variant": "cutout wasm-mt", "cold": job(9.0, inference=4.0, compose=1.0), "warm": job(6.0, inference=4.0, compose=0.2)},
    {"image": "12MP", "run": 2, "variant": "imgly", "cold": job(6.0), "warm": job(5.0)},
]


def test_ratios_pair_each_run_with_the_baseline_run_of_the_same_number():
    summary = bench_report.summarize_speed(RESULTS)["12MP"]
    warm = summary["ratios"]["cutout wasm-mt / imgly"]["warm"]
    assert (warm["min"], warm["max"], warm["n"]) == (0.8, 1.2, 2)  # 8/10 and 6/5, not 8/5 or 6/10
    assert summary["variants"]["cutout wasm-mt"]["stages"]["warm"] == {"compose": 0.4, "inference": 5.0}
    assert summary["variants"]["imgly"]["warm"]["median"] == 7.5


def test_post_processing_share_counts_mask_compose_and_encoding_against_inference():
    share = bench_report.post_processing_share({"inference": 4.0, "mask": 0.2, "compose": 0.6, "encode": 0.2,
                                                "verify": 0.4, "decode": 9})
    assert share["share"] == 0.25
    assert share["share_with_verify"] == 0.35
    assert bench_report.check_note(share) == "0.35 with the PNG's decode-back check (0.40 s)"


def test_the_markdown_names_a_failed_section_and_the_load():
    report = {
        "generated": "today",
        "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 8, "chromium": "Chromium", "node": "v20",
                    "load_range": [0.5, 3.0], "under_load": True},
        "sections": {"plugins": {"scripts": {"refine": {"error": "RuntimeError: exited 1: boom"}},
                                 "run": {"seconds": 3, "load_before": 0.5, "load_after": 3.0}}},
    }
    text = bench_report.markdown(report)
    assert "## refine (`scripts/bench/refine.mjs`)" in text
    assert "**failed:** `RuntimeError: exited 1: boom`" in text
    assert "taken under load" in text
    assert "## Native speed" in text and "not run" in text


def test_a_scripts_list_of_runs_is_a_table_with_a_row_per_run():
    result = {"benchmark": "refine", "median_ms": 67.25, "global_wand": {"ms": 3285},
              "runs": [{"ms": 489.5, "region": "406x203"}, {"ms": 62, "bands": 1}]}
    report = {"generated": "today", "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 8, "chromium": "Chromium",
                                                "node": "v20", "load_range": [0.5, 1.0], "under_load": False},
              "sections": {"plugins": {"scripts": {"refine": {"result": result}}}}}
    text = bench_report.markdown(report)
    assert "| median_ms | 67.25 |" in text and "| global_wand.ms | 3285 |" in text
    assert "| # | ms | region | bands |" in text
    assert "| 0 | 489.5 | 406x203 | – |" in text and "| 1 | 62 | – | 1 |" in text
    assert "runs[0]" not in text


def test_the_native_goal_is_shown_for_each_image():
    spread = {"min": 1.0, "median": 1.0, "max": 1.0, "n": 1}
    native = {"method": "m", "rembg": "2.0", "run": {"seconds": 1, "load_before": 0, "load_after": 0},
              "summary": {"1024x1024": {"cutout_images_per_s": spread, "rembg_images_per_s": spread, "throughput_ratio": spread}},
              "goals": {"throughput cutout ÷ rembg, 1024x1024 (median)": {"value": 0.93, "target": "≥ 1.0", "met": False},
                        "throughput cutout ÷ rembg, 12MP (median)": {"value": 1.5, "target": "≥ 1.0", "met": True}}}
    report = {"generated": "today", "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 8, "chromium": "Chromium",
                                                "node": "v20", "load_range": [0.5, 1.0], "under_load": False},
              "sections": {"native_speed": native}}
    text = bench_report.markdown(report)
    assert ("Goals: throughput cutout ÷ rembg, 1024x1024 (median): 0.93 (target ≥ 1.0, missed); "
            "throughput cutout ÷ rembg, 12MP (median): 1.50 (target ≥ 1.0, met)") in text
