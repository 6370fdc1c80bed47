"""The window's cockpit tabs (Incident, History, Reach) and the setup banner.

Each module is imported by the window only when its tab is first shown, so a tray
that is never opened pays nothing for them. They lay out values built by
outagetray/core/playbook.py and forward what the user asked for as signals.
"""
