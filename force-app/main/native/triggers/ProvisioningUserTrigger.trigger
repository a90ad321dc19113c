trigger ProvisioningUserTrigger on User(after insert, after update) {
    new TA_User_EnqueueProvisioning().run();
}
