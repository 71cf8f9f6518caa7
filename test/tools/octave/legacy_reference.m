function legacy_reference(input_file, output_file)
  % LEGACY_REFERENCE  Score the legacy-metric fixture cases with cvzoya's own functions.
  %   Called by test/tools/make_legacy_metric_fixtures.py with cvzoya's code_forMetrics,
  %   the compiled FastEMD mex and shadow/ (first) on the path. input_file is a .mat of
  %   case<k>_* arrays (k = 1..n_cases) and imresize<k>_* arrays (k = 1..n_imresize);
  %   output_file gets case<k>_<measure> (NaN where the MATLAB code returns NaN),
  %   imresize<k> and the Octave and image package versions.
  global LEGACY_FIXTURE_RAND LEGACY_FIXTURE_RANDI LEGACY_FIXTURE_RANDI_MAX
  global LEGACY_FIXTURE_RANDPERM LEGACY_FIXTURE_RANDPERM_NEXT
  pkg load image
  in = load(input_file);
  out = struct();
  for k = 1:in.n_cases
    p = sprintf('case%d_', k);
    saliency = in.([p 'saliency']);
    fixations = double(in.([p 'fixation_map']));
    measures = strsplit(strtrim(in.([p 'measures'])), ' ');
    for m = 1:numel(measures)
      name = measures{m};
      switch name
        case 'auc_judd'
          LEGACY_FIXTURE_RAND = in.([p 'jitter']);
          value = AUC_Judd(saliency, fixations);
          LEGACY_FIXTURE_RAND = [];
        case 'auc_borji'
          LEGACY_FIXTURE_RANDI = in.([p 'borji_draws']);
          LEGACY_FIXTURE_RANDI_MAX = numel(fixations);
          value = AUC_Borji(saliency, fixations, in.([p 'splits']));
          LEGACY_FIXTURE_RANDI = [];
        case 'auc_shuffled'
          LEGACY_FIXTURE_RANDPERM = in.([p 'shuffle_permutations']);
          LEGACY_FIXTURE_RANDPERM_NEXT = 1;
          value = AUC_shuffled(saliency, fixations, double(in.([p 'other_map'])), ...
                               in.([p 'splits']));
          LEGACY_FIXTURE_RANDPERM = [];
        case 'nss'
          value = NSS(saliency, fixations);
        case 'cc'
          value = CC(saliency, in.([p 'density']));
        case 'sim'
          value = similarity(saliency, in.([p 'density']));
        case 'kld'
          value = KLdiv(saliency, in.([p 'density']));
        case 'ig'
          value = InfoGain(saliency, fixations, in.([p 'baseline']));
        case 'emd'
          value = EMD(in.([p 'emd_saliency']), in.([p 'emd_density']), 0, ...
                      in.([p 'emd_downsize']));
        otherwise
          error('legacy fixture: unknown measure %s', name);
      end
      out.([p name]) = double(value);
    end
  end
  for k = 1:in.n_imresize
    p = sprintf('imresize%d', k);
    out.(p) = imresize(in.([p '_input']), in.([p '_argument']));
  end
  out.octave_version = version();
  image_package = ver('image');
  out.image_version = image_package.Version;
  save('-v7', output_file, '-struct', 'out');
end
