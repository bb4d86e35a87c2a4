-- An opening's first wave waits for the clinic's debounce (settings openingDebounceMinutes) whatever
-- wakes its flow (issue 10): a new, edited or resumed waitlist entry, or an offer ending, sets
-- next_wave_at = now, which used to skip the debounce. first_wave_at is set once, at insert (the
-- opening's first next_wave_at), and the due-openings query also requires first_wave_at <= now.
-- NULL (openings made before this file, or made with no due time): no debounce to wait for.
ALTER TABLE openings ADD COLUMN first_wave_at timestamptz;
