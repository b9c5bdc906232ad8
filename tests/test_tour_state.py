"""The first-run tour's state, without a display."""

from recognizer.ui.tour_state import STEPS, TourState


def test_at_most_six_steps_each_with_words_and_a_target():
    assert 1 <= len(STEPS) <= 6
    assert all(0 < len(step.title) <= 20 and len(step.text) > 40 and step.target for step in STEPS)  # one-line titles
    assert [s.title for s in STEPS][0] == "Draw a digit" and STEPS[-1].title == "Where to go next"


def test_next_back_and_the_end():
    tour = TourState()
    assert tour.step is None and tour.counter() == ""
    tour.start()
    tour.back()  # nothing before the first step
    assert tour.index == 0 and tour.counter() == f"1 of {len(STEPS)}"
    for _ in range(len(STEPS) - 1):
        tour.next()
    assert tour.last and tour.step is STEPS[-1]
    tour.back()
    assert tour.index == len(STEPS) - 2
    tour.next()
    tour.next()  # Done on the last step ends it
    assert tour.step is None


def test_skip_ends_it_from_any_step_and_start_begins_again():
    tour = TourState()
    tour.start()
    tour.next()
    tour.skip()
    assert tour.step is None
    tour.next()  # an ended tour stays ended
    assert tour.step is None
    tour.start()
    assert tour.index == 0
