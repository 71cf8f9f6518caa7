# Two commands on a fresh machine (Debian 12 / Ubuntu, x86_64, Python 3.10-3.12, no ROS 2 install):
#   make demo   set up .venv (ROS 2 kilted wheels from PyPI + runtime deps), build, run the demo
#   make demo-robot  the closed attention loop on a simulated pan-tilt head (robot.gif)
#   make test   the same venv plus test extras, colcon build + colcon test (kilted, on two
#               pytest-xdist workers); then, side by side, the integration tests again under
#               ROS 2 jazzy (.venv-jazzy, built into .ws/jazzy), the core's unit tests once more
#               under the oldest supported stack (numpy 1.26) and the requirement sets' dry runs
#               against PyPI. The three venvs are set up side by side first.
# Inside a ROS 2 workspace use colcon directly instead (README, "In a ROS 2 workspace").

PYTHON   ?= python3
VENV     := .venv
WS       := .ws
OLDEST   := .venv-oldest
JAZZY    := .venv-jazzy
WS_JAZZY := $(WS)/jazzy
BIN      := $(CURDIR)/$(VENV)/bin
SHELL    := /bin/bash
# $(call pip,VENV): pip install into that venv
pip       = $(CURDIR)/$(1)/bin/python -m pip install --disable-pip-version-check -q
PIP      := $(call pip,$(VENV))

# ROS 2 traffic of everything started from here stays on loopback, in a domain of its own.
export ROS_AUTOMATIC_DISCOVERY_RANGE := LOCALHOST
# Humble ignores that and has ROS_LOCALHOST_ONLY=1 instead, which Jazzy warns is deprecated and
# Kilted ignores: it belongs on Humble only (test/conftest.py sets it there). Everything here
# runs the kilted or jazzy wheels, and ROS_DISTRO says which, for test/conftest.py.
unexport ROS_LOCALHOST_ONLY
export ROS_DISTRO := kilted
export ROS_DOMAIN_ID ?= $(shell $(PYTHON) -c 'import random; print(random.randint(1, 101))')
export ROS_LOG_DIR := $(CURDIR)/$(WS)/log/ros
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PATH := $(BIN):$(PATH)

# launch, launch_ros and launch_pytest are not among the PyPI wheels: the launch tests
# (test/launch) use the unmodified Jazzy sources in shared/ (README there), but only where
# `import launch_ros` fails otherwise (a ROS 2 install is preferred). They are looked for in the
# shared/ beside this checkout (CI clones there), else beside the checkout it was cloned from.
LAUNCH_VENDOR := shared/vendor/ros2-launch-jazzy
LAUNCH_SOURCES ?= $(firstword $(wildcard $(CURDIR)/../$(LAUNCH_VENDOR) \
  $(shell git config --get remote.origin.url 2>/dev/null)/../$(LAUNCH_VENDOR)))
LAUNCH_PYTHONPATH := $(subst $(eval) ,:,$(addprefix $(LAUNCH_SOURCES)/,ros2-launch/launch \
  ros2-launch/launch_pytest ros2-launch/launch_testing ros2-launch/launch_xml \
  ros2-launch/launch_yaml ros2-launch_ros/launch_ros ros2-launch_ros/launch_testing_ros \
  stand-ins))
# $(call launch_env,PYTHON): shell code that, where PYTHON lacks launch_ros and the sources
# import, puts them on PYTHONPATH and sets $$launch_pytest_args to load launch_pytest's plugin
# (no entry point registers it; colcon test overwrites PYTEST_ADDOPTS, so it is an argument).
# Elsewhere test/launch skips saying why (and fails when CI=true).
launch_env = launch_pytest_args= && \
  if ! $(1) -c 'import launch_ros' 2>/dev/null && \
    PYTHONPATH=$(LAUNCH_PYTHONPATH)$${PYTHONPATH:+:$$PYTHONPATH} \
      $(1) -c 'import launch_ros, launch_pytest.plugin' 2>/dev/null; then \
    export PYTHONPATH=$(LAUNCH_PYTHONPATH)$${PYTHONPATH:+:$$PYTHONPATH} && \
    launch_pytest_args='-p launch_pytest.plugin'; fi

# $(call colcon,VENV,WS): that venv's colcon (so the installed console scripts' shebangs are
# that venv's python), with build, install and log bases in WS
colcon = $(CURDIR)/$(1)/bin/colcon --log-base $(2)/log
colcon_paths = --base-paths . --build-base $(1)/build --install-base $(1)/install

.PHONY: demo demo-robot test test-kilted test-oldest test-requirements test-jazzy build \
        build-jazzy setup clean

$(VENV)/.runtime: requirements/ros.txt requirements/colcon.txt requirements/runtime.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/ros.txt -r requirements/runtime.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements/integration.txt requirements/test.txt \
               requirements/test-no-deps.txt
	$(PIP) -r requirements/ros.txt -r requirements/test.txt
	$(PIP) --no-deps -r requirements/test-no-deps.txt
	touch $@

$(OLDEST)/.done: requirements/oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(call pip,$(OLDEST)) -r requirements/oldest.txt
	touch $@

$(JAZZY)/.done: requirements/ros-jazzy.txt requirements/colcon.txt requirements/integration.txt \
                requirements/runtime.txt requirements/sim.txt
	test -x $(JAZZY)/bin/python || $(PYTHON) -m venv $(JAZZY)
	$(call pip,$(JAZZY)) -r requirements/ros-jazzy.txt -r requirements/integration.txt \
	  -r requirements/sim.txt
	touch $@

setup: $(VENV)/.runtime

# After the build, the venv sees the installed package and has `msinet` on its PATH.
build: $(VENV)/.runtime
	$(call colcon,$(VENV),$(WS)) build $(call colcon_paths,$(WS)) --event-handlers console_cohesion+
	purelib=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') && \
	  ls -d $(CURDIR)/$(WS)/install/msinet_ros/lib/python*/site-packages > $$purelib/msinet_ros_ws.pth
	ln -sf $(CURDIR)/$(WS)/install/msinet_ros/lib/msinet_ros/msinet $(BIN)/msinet

demo: build
	source $(WS)/install/setup.bash && msinet demo --output demo_out

# The closed attention loop on the simulated pan-tilt head for a minute: demo_robot/robot.gif,
# run.jsonl, behaviour.json and behaviour.png.
$(VENV)/.sim: $(VENV)/.runtime requirements/sim.txt
	$(PIP) -r requirements/sim.txt
	touch $@

demo-robot: build $(VENV)/.sim
	source $(WS)/install/setup.bash && msinet demo --robot --output demo_robot

# Three phases, each using both cores (CI time): the venvs (pip unpacking and compiling) side
# by side; the kilted suite on two workers; then the parts that need another venv or the
# network side by side. Each part's output is printed whole when it ends.
test:
	$(MAKE) --no-print-directory -j3 --output-sync=target $(VENV)/.test $(OLDEST)/.done \
	  $(JAZZY)/.done
	$(MAKE) --no-print-directory test-kilted
	$(MAKE) --no-print-directory -j3 --output-sync=target test-oldest test-requirements \
	  test-jazzy

# test/test_requirements.py resolves every requirements set against PyPI: minutes spent waiting
# on the network. `make test` runs it beside the oldest stack's unit tests and the jazzy tests
# rather than inside colcon test; a workspace's `colcon test` runs it with the rest.
REQUIREMENTS_TEST := test/test_requirements.py

# The longest one test may run under make test (pytest-timeout, requirements/integration.txt)
TEST_TIMEOUT_S := 900

# Every other test, linters included, under kilted (the 30 slowest listed, for CI time), on two
# pytest-xdist workers: the tests that start nodes over DDS run one at a time on one of them,
# every other file is its own group (test/conftest.py). colcon reads a pytest argument like
# --ignore=… as an abbreviation of its own --ignore-user-meta unless it starts with a space
# (colcon's help for --pytest-args says so).
test-kilted: $(VENV)/.test build
	source $(WS)/install/setup.bash && $(call launch_env,$(BIN)/python) && \
	  $(call colcon,$(VENV),$(WS)) test $(call colcon_paths,$(WS)) --return-code-on-test-failure \
	    --event-handlers console_direct+ --pytest-args -p no:cacheprovider --durations=30 \
	      -n 2 --dist loadgroup --timeout $(TEST_TIMEOUT_S) \
	      " --ignore=$(REQUIREMENTS_TEST)" $$launch_pytest_args ; rc=$$? ; \
	  $(call colcon,$(VENV),$(WS)) test-result --test-result-base $(WS)/build --verbose ; \
	  exit $$rc

# A recheck of the stack (CI time): the property-based tests search with 100 examples each
# here, 500 under kilted; the TensorRT code runs against the 10.3 fakes only, all three under
# kilted.
test-oldest: $(OLDEST)/.done
	HYPOTHESIS_PROFILE=recheck MSINET_TEST_TENSORRT=10.3.0 $(OLDEST)/bin/python -m pytest -q \
	  -p no:cacheprovider --durations=10 test/unit

test-requirements: $(VENV)/.test
	$(BIN)/python -m pytest -q -p no:cacheprovider $(REQUIREMENTS_TEST)

# The closed loop, the simulator's own tests and the misbehaving-camera stream run under kilted
# only (CI time): the nodes they start, and the node's callbacks, are tested under both.
JAZZY_SKIP := --ignore=test/integration/test_closed_loop.py \
  --ignore=test/integration/test_saliency_node_faults.py \
  --ignore=test/integration/test_virtual_robot.py \
  --ignore=test/integration/test_attention_recorder.py \
  --deselect test/integration/test_demo.py::test_robot_demo_moves_the_head_and_writes_the_gif_and_the_report

# The integration tests (installed executables over real DDS) under jazzy: a second venv and
# a second build whose console scripts start with the jazzy venv's python.
build-jazzy test-jazzy $(JAZZY)/.done: export ROS_DISTRO := jazzy
build-jazzy test-jazzy $(JAZZY)/.done: export ROS_LOG_DIR := $(CURDIR)/$(WS_JAZZY)/log/ros
build-jazzy test-jazzy $(JAZZY)/.done: export PATH := $(CURDIR)/$(JAZZY)/bin:$(PATH)

build-jazzy: $(JAZZY)/.done
	$(call colcon,$(JAZZY),$(WS_JAZZY)) build $(call colcon_paths,$(WS_JAZZY))

test-jazzy: build-jazzy
	source $(WS_JAZZY)/install/setup.bash && $(call launch_env,$(JAZZY)/bin/python) && \
	  $(JAZZY)/bin/python -m pytest -q -p no:cacheprovider --durations=20 $$launch_pytest_args \
	    --timeout $(TEST_TIMEOUT_S) \
	    test/integration test/launch $(JAZZY_SKIP)

clean:
	rm -rf $(WS) $(VENV) $(OLDEST) $(JAZZY)
