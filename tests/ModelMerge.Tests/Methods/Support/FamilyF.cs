using ModelMerge.Plans.Export;
using ModelMerge.Plans.Handles;

namespace ModelMerge.Tests.Methods.Support;

/// <summary>merge-semantics §4.3, example family F: six elements, a base and three fine-tunes.</summary>
internal static class FamilyF
{
    public static readonly float[] Base = [0.40f, -0.30f, 0.10f, 0.20f, 0.90f, -0.50f];
    public static readonly float[] Theta1 = [0.64f, -0.36f, 0.13f, 0.38f, 0.60f, -0.49f];
    public static readonly float[] Theta2 = [0.48f, -0.10f, -0.06f, 0.16f, 1.02f, -0.50f];
    public static readonly float[] Theta3 = [0.12f, -0.28f, 0.19f, 0.42f, 0.95f, -0.52f];

    public static readonly float[] Tau1 = [0.24f, -0.06f, 0.03f, 0.18f, -0.30f, 0.01f];
    public static readonly float[] Tau2 = [0.08f, 0.20f, -0.16f, -0.04f, 0.12f, 0.00f];
    public static readonly float[] Tau3 = [-0.28f, 0.02f, 0.09f, 0.22f, 0.05f, -0.02f];

    /// <summary>The trimmed vectors the section lists for density 0.5 (k = 3).</summary>
    public static readonly float[] Trimmed1 = [0.24f, 0, 0, 0.18f, -0.30f, 0];
    public static readonly float[] Trimmed2 = [0, 0.20f, -0.16f, 0, 0.12f, 0];
    public static readonly float[] Trimmed3 = [-0.28f, 0, 0.09f, 0.22f, 0, 0];

    public static readonly double[] Weights = [1.0, 0.5, 0.8];

    public static float[][] Thetas => [Theta1, Theta2, Theta3];

    /// <summary>θ_b + Δ, for a Δ over the six elements or over repeated copies of them.</summary>
    public static float[] AddToBase(float[] delta) => delta.Select((d, j) => Base[j % Base.Length] + d).ToArray();
}

/// <summary>Family F (§4.3) as stored F32 checkpoints with one six-element tensor "w", merged through the real plans and exporter.</summary>
internal sealed class FamilyFCheckpoints : IDisposable
{
    public const string Tensor = "w";

    private readonly TempFolder _folder = new("family-f");
    private int _exports;

    public FamilyFCheckpoints()
    {
        Base = Open("base", FamilyF.Base);
        FineTunes = FamilyF.Thetas.Select((theta, i) => Open($"ft{i + 1}", theta)).ToArray();
    }

    public CheckpointHandle Base { get; }

    public CheckpointHandle[] FineTunes { get; }

    /// <summary>τ_i as task vectors with family F's weights, or the weights given.</summary>
    public List<TaskVectorHandle> TaskVectors(params double[] weights)
    {
        if (weights.Length == 0) weights = FamilyF.Weights.Select(w => (double)w).ToArray();
        return weights.Select((w, i) => Plans.Handles.TaskVectors.Difference(Base, FineTunes[i], w)).ToList();
    }

    public float[] ExportAndRead(CheckpointHandle merged)
    {
        string written = CheckpointExporter.Export(merged, NewTarget(), new ExportOptions()).Path;
        return SafetensorsFiles.ReadSingles(written)[Tensor];
    }

    public string NewTarget() => _folder.Child($"out{Interlocked.Increment(ref _exports)}");

    private CheckpointHandle Open(string name, float[] values) =>
        CheckpointHandle.Open(SafetensorsFiles.WriteF32(_folder.Child(name), [new TensorValues(Tensor, values)]));

    public void Dispose() => _folder.Dispose();
}
