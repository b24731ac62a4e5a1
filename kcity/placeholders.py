"""Temporary pages for routes whose real views are being built; replaced app by app."""

from django.shortcuts import render


def placeholder(request, *args, **kwargs):
    return render(request, "placeholder.html", status=200)
