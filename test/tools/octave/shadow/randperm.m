function p = randperm(n)
  % RANDPERM  Fixture stand-in for randperm: returns the next preset permutation.
  %   Used by AUC_shuffled.m, once per split; the preset is a (splits x n) matrix of
  %   1-based permutations, returned row by row. Asking for another n or for more rows
  %   than preset is an error.
  global LEGACY_FIXTURE_RANDPERM LEGACY_FIXTURE_RANDPERM_NEXT
  if isempty(LEGACY_FIXTURE_RANDPERM) || ...
      LEGACY_FIXTURE_RANDPERM_NEXT > size(LEGACY_FIXTURE_RANDPERM, 1)
    error('legacy fixture: randperm called with no preset permutation left');
  end
  if size(LEGACY_FIXTURE_RANDPERM, 2) ~= n
    error('legacy fixture: randperm(%d), but the presets permute %d', n, ...
          size(LEGACY_FIXTURE_RANDPERM, 2));
  end
  p = LEGACY_FIXTURE_RANDPERM(LEGACY_FIXTURE_RANDPERM_NEXT, :);
  LEGACY_FIXTURE_RANDPERM_NEXT = LEGACY_FIXTURE_RANDPERM_NEXT + 1;
end
