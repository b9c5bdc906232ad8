"""The command line: `recognizer train | evaluate | predict | ...` (main), `recognizer digits ...` (digits),
`recognizer calibrate` (calibrate)."""
