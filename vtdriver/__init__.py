"""vtdriver: webcam landmarks -> humanoid bones, blendshapes and gestures -> VMC / OSC."""

__version__ = "0.1.0"
