"""Files on disk: model files (model_file, model_catalog), safe reads and writes (safe_io), where things live
(paths), saved traces (trace_export)."""
