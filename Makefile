# Two commands on a fresh machine (Debian 12 / Ubuntu, Python >= 3.10, no ROS 2 install needed):
#   make demo   set up .venv (ROS 2 kilted wheels from PyPI + runtime deps), build, run the demo
#   make test   the same venv plus test extras, colcon build + colcon test, and the core's unit
#               tests once more under the oldest supported stack (numpy 1.26, protobuf 3.20)
# Inside a ROS 2 workspace use colcon directly instead (README, "In a ROS 2 workspace").

PYTHON   ?= python3
VENV     := .venv
WS       := .ws
OLDEST   := .venv-oldest
BIN      := $(CURDIR)/$(VENV)/bin
PIP      := $(BIN)/python -m pip install --disable-pip-version-check -q
SHELL    := /bin/bash

# ROS 2 traffic of everything started from here stays on loopback, in a domain of its own.
export ROS_AUTOMATIC_DISCOVERY_RANGE := LOCALHOST
export ROS_DOMAIN_ID ?= $(shell $(PYTHON) -c 'import random; print(random.randint(1, 101))')
export ROS_LOG_DIR := $(CURDIR)/$(WS)/log/ros
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PATH := $(BIN):$(PATH)

COLCON_PATHS := --build-base $(WS)/build --install-base $(WS)/install
COLCON := colcon --log-base $(WS)/log

.PHONY: demo test build setup clean

$(VENV)/.runtime: requirements/ros.txt requirements/runtime.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/ros.txt -r requirements/runtime.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements/test.txt
	$(PIP) -r requirements/ros.txt -r requirements/test.txt
	$(PIP) --no-deps tf-keras==2.21.0  # its keras 3 dependency is not wanted: legacy Keras 2
	touch $@

$(OLDEST)/.done: requirements/oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --disable-pip-version-check -q -r requirements/oldest.txt
	touch $@

setup: $(VENV)/.runtime

# After the build, the venv sees the installed package and has `msinet` on its PATH.
build: $(VENV)/.runtime
	$(COLCON) build --base-paths . $(COLCON_PATHS) --event-handlers console_cohesion+
	purelib=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') && \
	  ls -d $(CURDIR)/$(WS)/install/msinet_ros/lib/python*/site-packages > $$purelib/msinet_ros_ws.pth
	ln -sf $(CURDIR)/$(WS)/install/msinet_ros/lib/msinet_ros/msinet $(BIN)/msinet

demo: build
	source $(WS)/install/setup.bash && msinet demo --output demo_out

test: $(VENV)/.test $(OLDEST)/.done build
	source $(WS)/install/setup.bash && \
	  $(COLCON) test --base-paths . $(COLCON_PATHS) --return-code-on-test-failure \
	    --event-handlers console_direct+ --pytest-args -p no:cacheprovider ; rc=$$? ; \
	  $(COLCON) test-result --test-result-base $(WS)/build --verbose ; exit $$rc
	$(OLDEST)/bin/python -m pytest -q -p no:cacheprovider test/unit

clean:
	rm -rf $(WS) $(VENV) $(OLDEST)
