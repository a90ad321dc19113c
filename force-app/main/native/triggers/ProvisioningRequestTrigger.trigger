trigger ProvisioningRequestTrigger on ProvisioningRequest__e(after insert) {
    ProvisioningHandoff.receive((List<ProvisioningRequest__e>) Trigger.new);
}
