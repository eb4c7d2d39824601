namespace ModelOpt.SeedTrainer;

/// <summary>Adam (Kingma &amp; Ba) with bias correction; the learning rate is set per step by the caller's schedule.</summary>
internal sealed class AdamOptimizer(SeedCnnParameters parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private readonly SeedCnnParameters _m = new();
    private readonly SeedCnnParameters _v = new();
    private int _step;

    /// <summary>Applies <paramref name="gradientSum"/> divided by <paramref name="batchSize"/> (the mean gradient).</summary>
    public void Step(SeedCnnParameters gradientSum, int batchSize, float learningRate)
    {
        _step++;
        float correction1 = 1f - MathF.Pow(beta1, _step);
        float correction2 = 1f - MathF.Pow(beta2, _step);
        float scale = 1f / batchSize;
        var weights = parameters.All;
        var grads = gradientSum.All;
        var ms = _m.All;
        var vs = _v.All;
        for (int t = 0; t < weights.Length; t++)
        {
            float[] w = weights[t], g = grads[t], m = ms[t], v = vs[t];
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] * scale;
                m[i] = beta1 * m[i] + (1f - beta1) * gi;
                v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
                w[i] -= learningRate * (m[i] / correction1) / (MathF.Sqrt(v[i] / correction2) + epsilon);
            }
        }
    }
}
