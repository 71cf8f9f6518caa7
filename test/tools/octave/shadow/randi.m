function r = randi(range, dims)
  % RANDI  Fixture stand-in for randi: returns the draws the fixture script preset.
  %   Used by AUC_Borji.m as randi([1 Npixels], [Nfixations, Nsplits]); checks the range
  %   and size against the preset (1-based pixel indices) and uses it once.
  global LEGACY_FIXTURE_RANDI LEGACY_FIXTURE_RANDI_MAX
  if isempty(LEGACY_FIXTURE_RANDI)
    error('legacy fixture: randi called with no preset draws');
  end
  if ~isequal(double(range), [1 LEGACY_FIXTURE_RANDI_MAX]) || ...
      ~isequal(size(LEGACY_FIXTURE_RANDI), double(dims))
    error('legacy fixture: randi(%s, %s) does not match the preset %s in [1 %d]', ...
          mat2str(range), mat2str(dims), mat2str(size(LEGACY_FIXTURE_RANDI)), ...
          LEGACY_FIXTURE_RANDI_MAX);
  end
  r = LEGACY_FIXTURE_RANDI;
  LEGACY_FIXTURE_RANDI = [];
end
