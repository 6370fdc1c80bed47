"""The Settings window, one module per job.

``dialog`` is the shell (tabs, Save, Cancel); each tab, the platform editor and
its source rows live in their own module, so a new page is a new module rather
than more lines in one class. This package imports nothing on purpose: the app
imports ``outagetray.ui.settings.dialog`` only when Settings is opened, and a
sub-module importing this package must not pull the shell (or Qt widgets) in.
"""
