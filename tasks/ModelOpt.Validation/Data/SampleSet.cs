using ModelOpt.Engine.Config;
using ModelOpt.Engine.Diagnostics;
using ModelOpt.Engine.IR;
using DataType = ModelOpt.Engine.Onnx.TensorProto.Types.DataType;

namespace ModelOpt.Validation.Data;

/// <summary>
/// The samples a model is run on for calibration or validation, streamed in batches. Either real
/// data from a folder (<see cref="FromFolder"/>) or seeded synthetic inputs (<see cref="Synthetic"/>,
/// a fidelity check only: a model's answers on noise say little about its accuracy).
/// </summary>
/// <remarks>
/// Folder layouts, all of <c>.npy</c> or <c>.pb</c> (TensorProto) files; <c>labels.*</c> is skipped:
/// <list type="bullet">
/// <item>one file per model input, named after it (<c>input.npy</c>), samples batched along the first dimension;</item>
/// <item>for a one-input model, any number of files (sorted by name), each one sample or a batch of samples;</item>
/// <item>one subfolder per sample (sorted by name), holding a file per input named after it (or, for
/// <c>.pb</c>, whose TensorProto name is the input's).</item>
/// </list>
/// </remarks>
public sealed class SampleSet : IDisposable
{
    private readonly IReadOnlyList<InputSpec> _inputs;
    private readonly List<ISampleFile> _files;
    // For each sample, for each input: which file and which row.
    private List<(int File, long Row)[]> _samples;
    private readonly Func<int, IReadOnlyList<TensorData>>? _synthetic;
    // Inputs with a bound value (--value): fed as bound, never read from files.
    private readonly IReadOnlyList<(int Position, TensorData Value)> _bound;
    // Bound values and inputs without a batch axis cannot be stacked: such sets run one sample at a time.
    private readonly bool _oneAtATime;
    // Which synthetic samples (by seed index) this set holds; all of them until restricted.
    private List<int>? _syntheticIndices;
    // The folder sample names are relative to.
    private string? _root;

    // Unbatched: a scalar, or an input whose first dimension is fixed above 1 (a recurrent state
    // [2, batch, H]): a sample file holds it exactly as it is fed, with no batch axis added.
    private sealed record InputSpec(string Name, DataType Type, long[]? FixedRowShape, int Rank, bool Unbatched = false)
    {
        public int RowRank => Unbatched ? Rank : Rank - 1;
    }

    private SampleSet(string description, IReadOnlyList<InputSpec> inputs, List<ISampleFile> files, List<(int, long)[]> samples,
        Func<int, IReadOnlyList<TensorData>>? synthetic, int syntheticCount, IReadOnlyList<(int, TensorData)>? bound = null)
    {
        Description = description;
        _inputs = inputs;
        _files = files;
        _samples = samples;
        _synthetic = synthetic;
        Count = synthetic is null ? samples.Count : syntheticCount;
        _bound = bound ?? [];
        _oneAtATime = _bound.Count > 0 || inputs.Any(i => i.Unbatched);
    }

    /// <summary>Whether samples run one at a time (bound values or inputs without a batch axis).</summary>
    public bool OneAtATime => _oneAtATime;

    public string Description { get; private set; }

    public int Count { get; private set; }

    /// <summary>Keeps only the samples whose index (in folder order, or seed order) passes <paramref name="keep"/>.</summary>
    public void Restrict(Func<int, bool> keep, string part)
    {
        int total = Count;
        if (_synthetic is not null)
        {
            _syntheticIndices = (_syntheticIndices ?? Enumerable.Range(0, Count).ToList()).Where((_, i) => keep(i)).ToList();
            Count = _syntheticIndices.Count;
        }
        else
        {
            _samples = _samples.Where((_, i) => keep(i)).ToList();
            Count = _samples.Count;
        }
        Description = $"{Count} of {Description} ({part})";
    }

    public bool IsSynthetic => _synthetic is not null;

    /// <summary>
    /// The name a report gives sample <paramref name="index"/> (in this set's order): its file relative
    /// to the folder (<c>img_017.npy</c>, <c>sample_3/input.pb</c>), with the row for a file of many
    /// (<c>input.npy[17]</c>); <c>synthetic #17</c> for a synthetic one.
    /// </summary>
    public string NameOf(int index)
    {
        if (_synthetic is not null) return $"synthetic #{_syntheticIndices?[index] ?? index}";
        if (index < 0 || index >= _samples.Count) return $"#{index}";
        var (f, row) = _samples[index][0];
        var file = _files[f];
        string path = _root is null ? Path.GetFileName(file.Path) : Path.GetRelativePath(_root, file.Path).Replace('\\', '/');
        return file.Rows > 1 ? $"{path}[{row}]" : path;
    }

    /// <summary>The folder <c>NAME.samples/</c> beside <c>NAME.onnx</c>, when there is one.</summary>
    public static string? FindBeside(string modelPath)
    {
        string dir = Path.ChangeExtension(Path.GetFullPath(modelPath), ".samples");
        return Directory.Exists(dir) ? dir : null;
    }

    /// <summary>
    /// Opens the samples in <paramref name="folder"/> for <paramref name="model"/>'s inputs; only those
    /// whose index (in folder order) passes <paramref name="keep"/>, <paramref name="part"/> naming
    /// them in the description; of those, at most the first <paramref name="limit"/>.
    /// </summary>
    public static SampleSet FromFolder(string folder, Model model, int? limit = null, Func<int, bool>? keep = null, string? part = null)
    {
        if (!Directory.Exists(folder))
            throw new ModelOptException(ErrorCode.DataFileInvalid, folder, "the sample folder does not exist.");
        var inputs = InputsOf(model);
        var bound = BoundOf(model);
        var files = new List<ISampleFile>();
        var samples = new List<(int, long)[]>();
        try
        {
            var topFiles = Directory.GetFiles(folder).Where(SampleFiles.IsSampleFile).Order(StringComparer.Ordinal).ToList();
            var subfolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToList();
            var byName = topFiles.Where(f => inputs.Any(i => i.Name == Path.GetFileNameWithoutExtension(f))).ToList();

            if (topFiles.Count > 0 && byName.Count == inputs.Count)
            {
                // One file per input, batched along the first dimension.
                var opened = inputs.Select(i => Open(files, byName.First(f => Path.GetFileNameWithoutExtension(f) == i.Name), i)).ToArray();
                long rows = files[opened[0]].Rows;
                for (int k = 1; k < opened.Length; k++)
                    if (files[opened[k]].Rows != rows)
                        throw new ModelOptException(ErrorCode.DataFileInvalid, files[opened[k]].Path, $"holds {files[opened[k]].Rows} samples but {Path.GetFileName(files[opened[0]].Path)} holds {rows}.");
                for (long r = 0; r < rows; r++) samples.Add(opened.Select(f => (f, r)).ToArray());
            }
            else if (topFiles.Count > 0 && inputs.Count == 1)
            {
                foreach (var path in topFiles)
                {
                    int f = Open(files, path, inputs[0]);
                    for (long r = 0; r < files[f].Rows; r++) samples.Add([(f, r)]);
                }
            }
            else if (subfolders.Count > 0)
            {
                foreach (var sub in subfolders)
                {
                    var subFiles = Directory.GetFiles(sub).Where(SampleFiles.IsSampleFile).ToList();
                    var row = new (int, long)[inputs.Count];
                    for (int k = 0; k < inputs.Count; k++)
                    {
                        string? match = subFiles.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p) == inputs[k].Name);
                        int f;
                        if (match is not null) f = Open(files, match, inputs[k]);
                        else
                        {
                            // ONNX test data sets name files input_0.pb and record the input in the TensorProto.
                            f = -1;
                            foreach (var p in subFiles.Where(p => p.EndsWith(".pb", StringComparison.OrdinalIgnoreCase)))
                            {
                                int candidate = Open(files, p, inputs[k]);
                                if (files[candidate].TensorName == inputs[k].Name) { f = candidate; break; }
                                files[candidate].Dispose();
                                files.RemoveAt(candidate);
                            }
                            if (f < 0) throw new ModelOptException(ErrorCode.DataFileInvalid, sub, $"has no file for input '{inputs[k].Name}'.");
                        }
                        if (files[f].Rows != 1) throw new ModelOptException(ErrorCode.DataFileInvalid, files[f].Path, "a per-sample folder must hold one sample per file.");
                        row[k] = (f, 0);
                    }
                    samples.Add(row);
                }
            }
            else
            {
                throw new ModelOptException(ErrorCode.DataFileInvalid, folder,
                    $"no samples found: expected .npy/.pb files named after the inputs ({string.Join(", ", inputs.Select(i => i.Name))}), or one subfolder per sample.");
            }
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }

        try
        {
            CheckShapesAgree(inputs, files, samples);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
        if (keep is not null) samples = samples.Where((_, i) => keep(i)).ToList();
        if (limit is int n && samples.Count > n) samples.RemoveRange(n, samples.Count - n);
        if (samples.Count == 0)
        {
            foreach (var f in files) f.Dispose();
            throw new ModelOptException(ErrorCode.DataFileInvalid, folder, "the sample folder holds no samples.");
        }
        return new SampleSet($"{samples.Count} samples from {folder}{(part is null ? "" : $" ({part})")}", inputs, files, samples, null, 0, bound) { _root = folder };
    }

    // A batch stacks samples: every sample of an input must have the first one's shape.
    private static void CheckShapesAgree(IReadOnlyList<InputSpec> inputs, List<ISampleFile> files, List<(int File, long Row)[]> samples)
    {
        for (int k = 0; k < inputs.Count; k++)
        {
            var first = files[samples[0][k].File];
            foreach (var sample in samples)
            {
                var file = files[sample[k].File];
                if (!file.RowShape.AsSpan().SequenceEqual(first.RowShape))
                    throw new ModelOptException(ErrorCode.SampleShapesDisagree, file.Path,
                        $"has shape [{string.Join(", ", file.RowShape)}] per sample for input '{inputs[k].Name}', but {first.Path} has [{string.Join(", ", first.RowShape)}]: every sample of an input must have the same shape (they are run in batches).");
            }
        }
    }

    /// <summary>Where sample <paramref name="index"/> (in this set's order) of input <paramref name="input"/> comes from: its file, and its row when the file holds several.</summary>
    public string Origin(int index, string input)
    {
        if (_synthetic is not null) return $"synthetic sample {index}";
        int k = Math.Max(0, _inputs.ToList().FindIndex(i => i.Name == input));
        var (f, row) = _samples[index][k];
        return _files[f].Rows > 1 ? $"{_files[f].Path} (sample {row})" : _files[f].Path;
    }

    /// <summary>Seeded random samples of the given input shapes (batch dimension excluded from the count).</summary>
    public static SampleSet Synthetic(Model model, int count, int seed = 0, IReadOnlyDictionary<string, TensorShape>? shapes = null)
    {
        var inputs = InputsOf(model);
        var oneSample = shapes?.ToDictionary(kv => kv.Key, kv => kv.Value);
        return new SampleSet($"{count} synthetic samples (seed {seed})", inputs, [], [],
            i => SyntheticInputs.For(model, oneSample, seed * 100_003 + i), count, BoundOf(model));
    }

    /// <summary>
    /// Seeded synthetic page images (<see cref="SyntheticDocuments"/>) for image models trained on
    /// ImageNet-normalized inputs, OCR detectors above all: closer to real inputs than noise.
    /// </summary>
    public static SampleSet SyntheticDocuments(Model model, int count, int seed = 0, IReadOnlyDictionary<string, TensorShape>? shapes = null)
    {
        var inputs = InputsOf(model);
        var oneSample = shapes?.ToDictionary(kv => kv.Key, kv => kv.Value);
        return new SampleSet($"{count} synthetic page images (seed {seed})", inputs, [], [],
            i => Data.SyntheticDocuments.For(model, oneSample, seed * 100_003 + i), count, BoundOf(model));
    }

    /// <summary>
    /// Each input's shape for one sample (without the batch dimension), from the first sample:
    /// what memory estimates size a batch by. Samples of one set share their shapes, as a batch
    /// needs.
    /// </summary>
    public IReadOnlyDictionary<string, long[]> SampleShapes()
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (_synthetic is not null)
        {
            if (Count > 0)
                foreach (var t in _synthetic(0)) shapes[t.Name] = t.Shape.Length > 0 ? t.Shape[1..] : [];
            return shapes;
        }
        if (_samples.Count == 0) return shapes;
        for (int k = 0; k < _inputs.Count; k++) shapes[_inputs[k].Name] = _files[_samples[0][k].File].RowShape;
        return shapes;
    }

    /// <summary>
    /// The samples in batches of up to <paramref name="batchSize"/> (the last may be smaller), each
    /// batch a list of input tensors in the model's input order. Only one batch is held at a time.
    /// </summary>
    public IEnumerable<IReadOnlyList<TensorData>> Batches(int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
        if (_oneAtATime) batchSize = 1;
        if (_synthetic is not null)
        {
            for (int start = 0; start < Count; start += batchSize)
            {
                int n = Math.Min(batchSize, Count - start);
                var parts = Enumerable.Range(start, n).Select(i => _synthetic(_syntheticIndices?[i] ?? i)).ToList();
                if (n == 1)
                {
                    yield return parts[0];
                    continue;
                }
                yield return Enumerable.Range(0, parts[0].Count).Select(k => Concat(parts.Select(p => p[k]).ToList())).ToList();
            }
            yield break;
        }

        for (int start = 0; start < _samples.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, _samples.Count - start);
            var batch = new List<TensorData>(_inputs.Count);
            for (int k = 0; k < _inputs.Count; k++)
            {
                var file = _files[_samples[start][k].File];
                long rowBytes = DataTypes.ByteSize(file.DataType, file.RowShape.Aggregate(1L, (a, d) => a * d));
                var bytes = new byte[rowBytes * n];
                for (int i = 0; i < n; i++)
                {
                    var (f, row) = _samples[start + i][k];
                    _files[f].ReadRows(row, 1).CopyTo(bytes.AsSpan((int)(i * rowBytes)));
                }
                batch.Add(new TensorData(_inputs[k].Name, file.DataType, _inputs[k].Unbatched ? file.RowShape : [n, .. file.RowShape], bytes));
            }
            foreach (var (position, value) in _bound) batch.Insert(position, value);
            yield return batch;
        }
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }

    private static TensorData Concat(IReadOnlyList<TensorData> parts)
    {
        var first = parts[0];
        var bytes = new byte[parts.Sum(p => p.Bytes.Length)];
        int offset = 0;
        foreach (var p in parts)
        {
            p.Bytes.CopyTo(bytes, offset);
            offset += p.Bytes.Length;
        }
        return new TensorData(first.Name, first.ElementType, [parts.Sum(p => p.Shape[0]), .. first.Shape[1..]], bytes);
    }

    private static int Open(List<ISampleFile> files, string path, InputSpec input)
    {
        var file = SampleFiles.Open(path, input.Unbatched ? input.Rank + 1 : input.Rank);
        files.Add(file);
        if (file.DataType != input.Type)
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"holds {DataTypes.Name(file.DataType)} but input '{input.Name}' takes {DataTypes.Name(input.Type)}.");
        if (file.RowShape.Length != input.RowRank)
            throw new ModelOptException(ErrorCode.DataFileInvalid, path, input.Unbatched
                ? $"has shape [{string.Join(", ", file.RowShape)}] per sample, but input '{input.Name}' has rank {input.Rank} and no batch axis: a file holds it exactly as it is fed (or bind it with {OptionNames.Value.With($"{input.Name}=...")})."
                : $"has shape [{string.Join(", ", file.RowShape)}] per sample, but input '{input.Name}' has rank {input.Rank} (batch dimension first).");
        if (input.FixedRowShape is { } fixedShape)
            for (int d = 0; d < fixedShape.Length; d++)
                if (fixedShape[d] >= 0 && fixedShape[d] != file.RowShape[d])
                    throw new ModelOptException(ErrorCode.DataFileInvalid, path, $"has shape [{string.Join(", ", file.RowShape)}] per sample, but input '{input.Name}' needs [{string.Join(", ", fixedShape.Select(x => x < 0 ? "?" : x.ToString()))}].");
        return files.Count - 1;
    }

    // Bound inputs, at their position among the model's real inputs.
    private static List<(int, TensorData)> BoundOf(Model model) =>
        model.Graph.Inputs.Where(v => v.Initializer is null)
            .Select((v, i) => (i, v.BoundValue))
            .Where(p => p.BoundValue is not null)
            .Select(p => (p.i, TensorData.FromTensor(p.BoundValue!)))
            .ToList();

    private static List<InputSpec> InputsOf(Model model)
    {
        var specs = new List<InputSpec>();
        foreach (var v in model.Graph.Inputs)
        {
            if (v.Initializer is not null || v.BoundValue is not null) continue;
            int rank = v.Shape?.Rank ?? throw new ModelOptException(ErrorCode.DataFileInvalid, model.SourcePath, $"input '{v.Name}' has no declared shape, so samples cannot be matched to it.");
            bool unbatched = rank == 0 || v.Shape[0].Value is > 1;
            var row = v.Shape.Dims.Skip(unbatched ? 0 : 1).Select(d => d.Value ?? -1).ToArray();
            specs.Add(new InputSpec(v.Name, v.ElementType, row, rank, unbatched));
        }
        return specs;
    }
}
