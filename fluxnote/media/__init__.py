"""Shared media types and tools: word timings, frame sizes, I420 frames, ffmpeg, WAV, fonts.

A leaf: nothing here imports another fluxnote package, so voice, captions, providers,
music and render can all build on it without importing each other.
"""
