"""The window's title and About box name what the app shows now: any recurrent network (LSTM,
GRU or plain RNN), and the model in use by its architecture."""

from recognizer.files.model_file import load_model
from recognizer.files.paths import models_dir


def test_title_and_about_speak_of_any_recurrent_network(main_window):
    assert main_window.windowTitle() == "Watch a recurrent network read your digit"
    about = main_window.about_text()
    assert "watch a recurrent network (an LSTM, a GRU or a plain RNN) read it" in about
    assert "(LSTM 128)" in about
    main_window.set_model(load_model(models_dir() / "gru-128.safetensors"))
    assert "Model: gru-128.safetensors (GRU 128)" in main_window.about_text()
