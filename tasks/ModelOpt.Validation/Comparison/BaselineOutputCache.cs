namespace ModelOpt.Validation.Comparison;

/// <summary>
/// The original model's outputs on the samples a search judges on, kept across its validations.
/// Every trial compares a candidate with the same original on the same samples, and running the
/// original again each time was a third or more of every validation (PP-OCR det: six pages at
/// 640² in fp32 per trial, 60 to 80 trials a search), time the search's limit then lacked on a busy
/// machine. A batch is kept under a key that names everything deciding what it holds (the original's
/// file, the samples and their part, the batch and its place, the outputs asked, the session
/// options); a streaming model's batches depend on the state carried from those before, so they
/// are never kept. Past <see cref="MaxBytes"/> nothing more is kept and the original runs as before.
/// </summary>
public sealed class BaselineOutputCache
{
    private readonly Dictionary<string, IReadOnlyList<TensorData>> _kept = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _bytes;

    /// <summary>The most output bytes kept; a search's samples of a large-output model (a 1024² mask) can exceed it.</summary>
    public long MaxBytes { get; init; } = 512L << 20;

    /// <summary>Batches answered from the cache rather than by running the original.</summary>
    public int Hits { get; private set; }

    /// <summary>The outputs kept under <paramref name="key"/>, or those <paramref name="run"/> gives, kept when they fit.</summary>
    public IReadOnlyList<TensorData> Get(string key, Func<IReadOnlyList<TensorData>> run)
    {
        lock (_lock)
        {
            if (_kept.TryGetValue(key, out var kept))
            {
                Hits++;
                return kept;
            }
        }
        var outputs = run();
        long bytes = outputs.Sum(t => (long)t.Bytes.Length);
        lock (_lock)
        {
            if (_bytes + bytes <= MaxBytes && _kept.TryAdd(key, outputs)) _bytes += bytes;
        }
        return outputs;
    }
}
