"""The network and its reading: the recurrent model (model, cells, sizes), the Tracer that records every row
(trace), the what-if edits (interventions) and one step's arithmetic (step_arithmetic)."""
