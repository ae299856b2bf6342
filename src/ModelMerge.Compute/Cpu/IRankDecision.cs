namespace ModelMerge.Compute.Cpu;

/// <summary>Whether to keep an element (flat index) given its ascending magnitude rank in its row; a struct, so the ranking loops inline it.</summary>
internal interface IRankDecision
{
    bool Keep(long element, int rank);
}
