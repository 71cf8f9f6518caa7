function r = rand(varargin)
  % RAND  Fixture stand-in for rand: returns the array the fixture script preset.
  %   test/tools/make_legacy_metric_fixtures.py puts this folder first on Octave's path,
  %   so AUC_Judd.m's jitter, rand(size(saliencyMap)), is the stored array. Each preset
  %   is used once; any other call is an error.
  global LEGACY_FIXTURE_RAND
  if isempty(LEGACY_FIXTURE_RAND)
    error('legacy fixture: rand called with no preset array');
  end
  if ~isequal(size(LEGACY_FIXTURE_RAND), double([varargin{:}]))
    error('legacy fixture: rand asked for %s, preset is %s', mat2str([varargin{:}]), ...
          mat2str(size(LEGACY_FIXTURE_RAND)));
  end
  r = LEGACY_FIXTURE_RAND;
  LEGACY_FIXTURE_RAND = [];
end
