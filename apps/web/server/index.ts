// The dashboard's server modules (ingest, store, query, live). Being built: see issue 3.
export {};
