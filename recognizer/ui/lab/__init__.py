"""The Lab tab: ask the network "what if?"."""
