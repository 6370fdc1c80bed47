"""The Qt shell. Importing it first stops PySide6 from caching every module's source."""

from outagetray.ui.feature_scan import install as _install_feature_scan

_install_feature_scan()
