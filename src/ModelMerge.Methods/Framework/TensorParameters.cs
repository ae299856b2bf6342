namespace ModelMerge.Methods.Framework;

/// <summary>
/// A method's parameters resolved for one tensor (filters and layer gradients already applied
/// upstream): one value per global parameter, one per model for per-model parameters.
/// </summary>
public sealed class TensorParameters
{
    private readonly IReadOnlyDictionary<string, double> _global;
    private readonly IReadOnlyDictionary<string, double[]> _perModel;

    public TensorParameters(string tensorName, long[] shape, int modelCount,
        IReadOnlyDictionary<string, double> global, IReadOnlyDictionary<string, double[]> perModel)
    {
        TensorName = tensorName;
        Shape = shape;
        ModelCount = modelCount;
        _global = global;
        _perModel = perModel;
    }

    public string TensorName { get; }

    public long[] Shape { get; }

    public int ModelCount { get; }

    /// <summary>A global number.</summary>
    public double Number(string name) =>
        _global.TryGetValue(name, out double value) ? value : throw new KeyNotFoundException($"parameter '{name}' was not resolved for tensor '{TensorName}'.");

    public bool Flag(string name) => Number(name) != 0;

    public int Integer(string name) => checked((int)Number(name));

    /// <summary>A per-model parameter: one value per model, in input order.</summary>
    public double[] PerModel(string name) =>
        _perModel.TryGetValue(name, out var values) ? values : throw new KeyNotFoundException($"parameter '{name}' was not resolved for tensor '{TensorName}'.");
}
