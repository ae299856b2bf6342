@{
    RootModule           = 'ModelMerge.dll'
    # Loaded before the root module: routes ModelMerge's dependencies into a load context of
    # their own (see src/ModelMerge.Loader), so they cannot clash with other modules' versions.
    NestedModules        = @('ModelMerge.Loader.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c57-8f0e-4a52-9d7e-2f61b8d3a9c4'
    Author               = 'ModelMerge contributors'
    CompanyName          = 'ModelMerge'
    Copyright            = '(c) ModelMerge contributors. MIT License.'
    Description          = 'Merge fine-tuned neural-network checkpoints without training: linear, SLERP, task arithmetic, TIES, DARE, DELLA, Model Stock and every other mergekit method, and layer stacks. Streams safetensors checkpoints tensor by tensor, in bounded memory, reproducibly.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('ModelMerge.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-Checkpoint'
        'Get-TaskVector'
        'Invoke-DareDrop'
        'Invoke-TiesMerge'
        'Invoke-TaskArithmetic'
        'Invoke-LinearMerge'
        'Invoke-FisherMerge'
        'Invoke-Merge'
        'Invoke-LayerwiseMerge'
        'Invoke-MergeRecipe'
        'New-LayerSlice'
        'Join-LayerSlice'
        'Export-Checkpoint'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('MachineLearning', 'LLM', 'ModelMerging', 'safetensors', 'TIES', 'DARE', 'mergekit')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
