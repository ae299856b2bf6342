using System.Text;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// Keeps the findings of a run: counts every one, and saves the first few inputs of each
/// signature under <c>folder/target/</c> (the input, and a .txt with the replay command and the
/// exception), so that a bug hit a million times leaves three files, not a million.
/// </summary>
public sealed class FindingStore(string? folder, int savedPerSignature = 3)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<Finding>> _bySignature = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Where inputs are saved; null keeps them in memory only (the unit test).</summary>
    public string? Folder { get; } = folder;

    public int Count { get; private set; }

    /// <summary>The first finding of each signature with how often it occurred, in order of first occurrence.</summary>
    public IReadOnlyList<(Finding First, int Count)> Distinct()
    {
        lock (_gate) return _bySignature.Values.Select(list => (list[0], CountOf(list[0].Signature))).ToList();
    }

    private int CountOf(string signature) => _counts.GetValueOrDefault(signature);

    /// <summary>Records <paramref name="finding"/>; true when it is the first of its signature.</summary>
    public bool Add(Finding finding)
    {
        lock (_gate)
        {
            Count++;
            _counts[finding.Signature] = CountOf(finding.Signature) + 1;
            if (!_bySignature.TryGetValue(finding.Signature, out var kept)) _bySignature[finding.Signature] = kept = [];
            if (kept.Count >= savedPerSignature) return false;
            kept.Add(finding);
            Save(finding);
            return kept.Count == 1;
        }
    }

    private void Save(Finding finding)
    {
        if (Folder is null) return;
        string folder = Path.Combine(Folder, finding.Target);
        Directory.CreateDirectory(folder);
        string stem = Path.Combine(folder, $"{finding.Kind}-seed{finding.Seed}-case{finding.Case}");
        File.WriteAllBytes(stem + finding.Input.Extension, finding.Input.Input);
        var text = new StringBuilder()
            .AppendLine($"target:    {finding.Target}")
            .AppendLine($"replay:    {finding.Replay}")
            .AppendLine($"kind:      {finding.Kind}")
            .AppendLine($"signature: {finding.Signature}");
        if (finding.Input.Note is not null) text.AppendLine($"note:      {finding.Input.Note}");
        text.AppendLine().AppendLine(finding.Detail);
        File.WriteAllText(stem + ".txt", text.ToString());
    }
}
