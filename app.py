"""Treatment Summaries: routes only (the frame: page setup, sign-in gate, navigation by role, sidebar)."""

from ui import frame

page = frame.navigation()
with frame.framed():
    page.run()
