#!/usr/bin/env python
import os
import sys
